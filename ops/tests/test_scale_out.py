"""Scale-out, shown: two web processes and two workers on one PostgreSQL database and one
shared file store, driven over HTTP, with every effect checked to happen exactly once.

- Orders are placed on one host and delivered on the other; evidence is uploaded on one host
  and downloaded from the other (the shared folder).
- The test clock is moved on one host while both workers poll: each order's completion
  deadline is applied once (one `order.completed` event, one payout: the ledger check is
  clean), each webhook event reaches the receiver once, each e-mail is sent once.
- It prints what it measured (requests, deadlines, CPU, database transactions) for
  docs/scaling.md. PostgreSQL only: SQLite has one writer and no SKIP LOCKED."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.db import connection
from PIL import Image

from accounts.actions import issue_token
from accounts.models import User
from bench import proc
from catalog.models import Listing
from core import clock
from core.models import AuditEvent, Deadline
from notifications.models import OutboundEmail
from ops import deadlines
from orders.models import Order
from testsupport import factories
from webhooks import actions as webhook_actions
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WEB_PORTS = (8108, 8118)
HOOK_PORT = 8128
ORDERS = 8
ROOT = Path(__file__).resolve().parents[2]


class _Receiver(BaseHTTPRequestHandler):
    seen: Counter[str] = Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.lock:
            self.seen[self.headers.get("webhook-id", "")] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _env(tmp: Path, name: str) -> dict[str, str]:
    db = settings.DATABASES["default"]
    url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    data = tmp / name
    data.mkdir()
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "testsupport.scaleout_settings",
        "DATABASE_URL": url,
        "PARLEY_SECRET_KEY": "scale-out-" + "s" * 60,
        "PARLEY_TEST_CLOCK": "1",
        "PARLEY_HTTPS": "0",
        "PARLEY_DEMO": "0",
        "PARLEY_LOG_FORMAT": "plain",
        "PARLEY_LOG_LEVEL": "WARNING",
        "PARLEY_PUBLIC_URL": "http://127.0.0.1:8108",
        "PARLEY_DATA_DIR": str(data),
        "PARLEY_MEDIA_ROOT": str(tmp / "shared-files"),  # one store for every process
        "SCALE_OUT_MAIL_DIR": str(tmp / "mail"),
        "PARLEY_WEBHOOKS_ALLOWED_HOSTS": "127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }


def _start(tmp: Path) -> list[subprocess.Popen[bytes]]:
    started = []
    for i, port in enumerate(WEB_PORTS):
        cmd = [
            sys.executable, "-m", "gunicorn", "--config", "python:parley.gunicorn_conf", "parley.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
        ]  # fmt: skip
        started.append(subprocess.Popen(cmd, cwd=ROOT, env=_env(tmp, f"web{i}"), stdout=subprocess.DEVNULL))
    for i in range(2):
        cmd = [sys.executable, "manage.py", "worker", "--interval", "0.2"]
        started.append(subprocess.Popen(cmd, cwd=ROOT, env=_env(tmp, f"worker{i}"), stdout=subprocess.DEVNULL))
    for port in WEB_PORTS:
        ready_by = time.monotonic() + 240  # the first request loads Django: slow on a busy machine
        while time.monotonic() < ready_by:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.2)
        else:
            _stop(started)
            pytest.fail(f"the web process on {port} did not start")
    return started


def _stop(started: list[subprocess.Popen[bytes]]) -> None:
    for p in started:
        p.terminate()
    for p in started:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 10, 10)).save(out, format="PNG")
    return out.getvalue()


def _commits() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


def test_two_web_processes_and_two_workers_do_everything_once(tmp_path: Path) -> None:
    (tmp_path / "mail").mkdir()
    staff = User.objects.create_user(username="scale-staff", email="staff@example.org", password="x" * 12)
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    buyers = [
        User.objects.create_user(username=f"b{i}", email=f"b{i}@example.org", password="x" * 12) for i in range(2)
    ]
    sellers = [
        User.objects.create_user(username=f"s{i}", email=f"s{i}@example.org", password="x" * 12) for i in range(2)
    ]
    for buyer in buyers:
        factories.fund(buyer, 1_000_00)
    listings = [factories.listing(seller, price=10_00) for seller in sellers]
    # One dispute, opened in-process, for the evidence that crosses hosts.
    disputed = factories.delivered_order(buyers[0], sellers[0], price=5_00)
    deadlines.advance(seconds=3600)
    dispute = factories.open_dispute(disputed)
    hook = ThreadingHTTPServer(("127.0.0.1", HOOK_PORT), _Receiver)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    webhook_actions.create_endpoint(by=staff, url=f"http://127.0.0.1:{HOOK_PORT}/hook", events=["order."])
    token = {u.pk: issue_token(user=u, second_factor=True) for u in [staff, *buyers, *sellers]}

    def auth(user: User, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token[user.pk]}", **more}

    host = [f"http://127.0.0.1:{port}/api/v1" for port in WEB_PORTS]
    started = _start(tmp_path)
    pids = [p.pid for p in started] + [c for p in started[:2] for c in proc.children_of(p.pid)]
    try:
        cpu_before, commits_before = proc.cpu_of(pids), _commits()
        t0, latencies = time.perf_counter(), []
        order_ids = []
        for i in range(ORDERS):
            buyer, seller = buyers[i % 2], sellers[i % 2]
            began = time.perf_counter()
            placed = requests.post(
                f"{host[i % 2]}/orders",
                json={"listing_id": Listing.objects.get(pk=listings[i % 2].pk).public_id},
                headers=auth(buyer, **{"Idempotency-Key": f"order-{i}"}),
                timeout=30,
            )
            assert placed.status_code == 201, placed.text
            # The same key on the other host: the same order, not a second one.
            again = requests.post(
                f"{host[(i + 1) % 2]}/orders",
                json={"listing_id": Listing.objects.get(pk=listings[i % 2].pk).public_id},
                headers=auth(buyer, **{"Idempotency-Key": f"order-{i}"}),
                timeout=30,
            )
            assert again.json()["id"] == placed.json()["id"]
            delivered = requests.post(
                f"{host[(i + 1) % 2]}/orders/{placed.json()['id']}/deliver",
                json={"note": f"KEY-{i}"},
                headers=auth(seller),
                timeout=30,
            )
            assert delivered.status_code == 200, delivered.text
            latencies.append((time.perf_counter() - began) / 3)
            order_ids.append(placed.json()["id"])
        data = _png()
        uploaded = requests.post(
            f"{host[0]}/disputes/{dispute.public_id}/evidence",
            files={"file": ("screen.png", data, "image/png")},
            headers=auth(buyers[0]),
            timeout=30,
        )
        assert uploaded.status_code == 201, uploaded.text
        body = uploaded.json()
        downloaded = requests.get(
            f"{host[1]}/disputes/{dispute.public_id}/evidence/{body['id']}", headers=auth(staff), timeout=30
        )
        assert downloaded.status_code == 200
        assert hashlib.sha256(downloaded.content).hexdigest() == body["sha256"]
        requests_time = time.perf_counter() - t0
        cpu_mid, commits_mid = proc.cpu_of(pids), _commits()

        # The deadlines fall due: the clock moves on one host while both workers poll.
        due = Deadline.objects.filter(status=Deadline.Status.PENDING).count()
        t1 = time.perf_counter()
        moved = requests.post(
            f"{host[1]}/test-clock/advance", json={"seconds": 30 * 86400}, headers=auth(staff), timeout=60
        )
        assert moved.status_code == 200, moved.text
        settle_by = time.monotonic() + 30
        while time.monotonic() < settle_by:
            busy = (
                Deadline.objects.filter(status=Deadline.Status.PENDING, due_at__lte=clock.now()).exists()
                or WebhookDelivery.objects.filter(status="pending").exists()
                or OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).exists()
            )
            if not busy:
                break
            time.sleep(0.2)
        deadline_time = time.perf_counter() - t1
        cpu_after, commits_after = proc.cpu_of(pids), _commits()
    finally:
        _stop(started)
        hook.shutdown()

    # Every order completed once, and paid out once (the ledger check at the end of every test).
    placed = Order.objects.filter(public_id__in=order_ids)
    assert set(placed.values_list("status", flat=True)) == {"completed"}
    for code in ("order.auto_completed", "order.settled"):
        events = AuditEvent.objects.filter(code=code, subject_type="order", subject_id__in=placed.values("pk"))
        done = Counter(events.values_list("subject_id", flat=True))
        assert len(done) == ORDERS and set(done.values()) == {1}, (code, done)
    assert not Deadline.objects.filter(
        status__in=[Deadline.Status.PENDING, Deadline.Status.FAILED], due_at__lte=clock.now()
    ).exists()
    # Every webhook delivery reached the receiver once.
    deliveries = list(WebhookDelivery.objects.values_list("event_id", "status"))
    assert deliveries and {s for _, s in deliveries} == {"sent"}, deliveries
    assert {e for e, _ in deliveries} == set(_Receiver.seen), (deliveries, _Receiver.seen)
    assert set(_Receiver.seen.values()) == {1}, _Receiver.seen
    # Every e-mail was sent once: one file message per outbox row.
    sent = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT)
    written = sum(len(re.findall(r"^Subject: ", f.read_text(), re.MULTILINE)) for f in (tmp_path / "mail").iterdir())
    # Once 47 messages were written for 46 rows: a worker was sending when the test clock jumped
    # 30 days and the lease, then measured on that clock, let the second worker take the same
    # e-mail. Leases are on the wall clock now (notifications/tests/test_outbox.py).
    assert written == sent.count() > 0
    assert not OutboundEmail.objects.exclude(status=OutboundEmail.Status.SENT).exists()

    report = {
        "requests": ORDERS * 3 + 2,
        "mean_request_ms": round(1000 * sum(latencies) / len(latencies), 1),
        "request_phase_cpu_s": round(proc.cpu_delta(cpu_before, cpu_mid), 2),
        "request_phase_commits": commits_mid - commits_before,
        "request_phase_s": round(requests_time, 2),
        "deadlines": due,
        "deadline_phase_s": round(deadline_time, 2),
        "deadline_phase_cpu_s": round(proc.cpu_delta(cpu_mid, cpu_after), 2),
        "deadline_phase_commits": commits_after - commits_mid,
        "webhooks": len(deliveries),
        "emails": sent.count(),
    }
    print("\nscale-out:", json.dumps(report))
