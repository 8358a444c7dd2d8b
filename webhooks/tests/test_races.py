"""Workers racing over the outbox on PostgreSQL: SKIP LOCKED and the lease hand every delivery
to exactly one of them, so without a crash each event is POSTed once."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection

from core import audit
from core.actors import SystemActor
from webhooks import actions
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.postgres


def test_four_workers_send_every_delivery_once(transactional_db, make_user, receiver, endpoint):
    hook = endpoint(receiver.url)
    subject = make_user("subject")
    for n in range(20):
        audit.record("order.delivered", subject=subject, by=SystemActor("test"), role="system", data={"n": n})
    barrier = threading.Barrier(4)
    crashed: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(timeout=30)
            actions.send_due_webhooks()
        except BaseException as exc:
            crashed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not crashed and not any(t.is_alive() for t in threads)
    sent = Counter(r.headers["webhook-id"] for r in receiver.requests)
    assert len(sent) == 20 and set(sent.values()) == {1}
    assert set(hook.deliveries.values_list("status", "attempts")) == {(WebhookDelivery.Status.SENT, 1)}
