"""A real `parley worker` process facing a mail server and a webhook endpoint that accept a
connection and then never answer (both on 127.0.0.1): a deadline that falls due while the
worker is stuck on them is still applied at once."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta

import pytest

from core import clock
from core.models import Deadline
from notifications.models import OutboundEmail
from ops.models import WorkerHeartbeat
from ops.tests.test_worker_processes import PROJECT_ROOT, _database_url
from orders import actions
from orders.models import Order
from testsupport import factories
from webhooks.models import WebhookDelivery, WebhookEndpoint


class HungServer:
    """Accepts TCP connections on 127.0.0.1 and never writes a byte (an SMTP server that never
    greets, an HTTP endpoint that never answers). Counts the connections it holds."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(50)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.held.append(conn)

    def close(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=2)
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture
def hung() -> object:
    servers = [HungServer(), HungServer()]
    yield servers
    for server in servers:
        server.close()


def _wait_for(condition: object, *, timeout: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within {timeout}s")


@pytest.mark.slow
def test_a_deadline_falls_due_and_is_applied_while_mail_and_webhooks_hang(transactional_db, make_user, hung):
    smtp, endpoint = hung
    buyer, seller, staff = make_user(email=""), make_user(email=""), make_user(staff=True, email="")
    order = factories.delivered_order(buyer, seller)
    auto_complete = Deadline.objects.get(kind=actions.AUTO_COMPLETE, subject_id=order.pk)
    now = clock.now()
    for i in range(6):
        OutboundEmail.objects.create(
            to=f"someone{i}@example.org", subject="s", body="b", next_attempt_at=now, created_at=now
        )
    hook = WebhookEndpoint.objects.create(
        url=f"http://127.0.0.1:{endpoint.port}/hook", secret="whsec_" + "A" * 32, created_by=staff, created_at=now
    )
    for i in range(6):
        WebhookDelivery.objects.create(
            endpoint=hook,
            event_id=f"evt_{i}",
            event_code="order.placed",
            payload={},
            next_attempt_at=now,
            created_at=now,
        )

    worker = subprocess.Popen(
        [sys.executable, "-m", "parley.cli", "worker", "--interval", "0.2"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_SETTINGS_MODULE": "parley.test_settings",
            "PARLEY_LOG_LEVEL": "WARNING",
            "PARLEY_SMTP_HOST": "127.0.0.1",
            "PARLEY_SMTP_PORT": str(smtp.port),
            "PARLEY_SMTP_TLS": "0",
            "PARLEY_SMTP_TIMEOUT": "5",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        # Both loops are now stuck in a send that will take its whole timeout.
        _wait_for(lambda: smtp.held and endpoint.held, timeout=60, what="the worker reaching both hung servers")
        clock.set_test_time(auto_complete.due_at + timedelta(seconds=1))

        took = _wait_for(
            lambda: Deadline.objects.filter(pk=auto_complete.pk, status=Deadline.Status.DONE).exists(),
            timeout=20,
            what="the deadline being applied",
        )
        assert took < 3.0, f"the deadline waited {took:.1f}s behind hung sends"
        order.refresh_from_db()
        assert order.status == Order.Status.COMPLETED
        # Nothing was sent, and nothing was marked sent: the hung sends are still in flight or retrying.
        assert not OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).exists()
        assert not WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENT).exists()
        # Every loop has reported, the stuck ones included once their round ended.
        assert {"deadlines", "housekeeping"} <= set(WorkerHeartbeat.objects.values_list("loop", flat=True))
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "Traceback" not in output, output[-3000:]
