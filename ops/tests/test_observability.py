"""Request ids, JSON logs, /healthz, /readyz and /metrics."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Sum
from django.test import Client, override_settings

from core import audit, clock
from core.actors import SystemActor
from core.models import Deadline
from ledger.models import Entry
from notifications.models import OutboundEmail
from ops.models import WorkerHeartbeat
from ops.worker import Worker
from orders import actions as orders
from parley.logconfig import logging_config
from testsupport import factories
from webhooks import actions as webhooks
from webhooks.models import WebhookDelivery
from webhooks.tests.receiver import Receiver


@pytest.fixture
def json_lines():
    """Every line Parley's loggers write during the test, rendered by the production formatter."""
    config = logging_config(fmt="json")["formatters"]["structured"]
    factory = config.pop("()")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(factory(**config))
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(old_level)


def test_healthz_answers_without_the_database(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_request_id_is_taken_from_the_caller_or_made(client):
    given = client.get("/healthz", headers={"X-Request-Id": "lb-7f3a.12"})
    assert given["X-Request-Id"] == "lb-7f3a.12"
    made = client.get("/healthz")
    assert len(made["X-Request-Id"]) == 32
    # Anything that is not a short token (it lands in logs and headers) is replaced.
    for bad in ["x" * 65, "a b", "id\u00e9", "<script>"]:
        answer = client.get("/healthz", headers={"X-Request-Id": bad})
        assert answer["X-Request-Id"] != bad and len(answer["X-Request-Id"]) == 32


def test_every_log_line_of_a_request_carries_its_id(db, json_lines, api, make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 20_00)
    response = api(buyer).post("/orders", {"listing_id": item.public_id}, headers={"X-Request-Id": "req-order-1"})
    assert response.status_code == 201
    assert response["X-Request-Id"] == "req-order-1"
    request_lines = [line for line in json_lines() if line.get("event") == "request"]
    assert request_lines == [
        {
            "event": "request",
            "request_id": "req-order-1",
            "level": "info",
            "logger": "parley.request",
            "method": "POST",
            "path": "/api/v1/orders",
            "route": "/api/v1/orders",
            "status": 201,
            "ms": request_lines[0]["ms"],
            "ts": request_lines[0]["ts"],
        }
    ]
    assert all(line.get("request_id") == "req-order-1" for line in json_lines())


def test_the_request_id_follows_the_work_it_queued_into_the_worker(db, json_lines, api, make_user, tclock):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 20_00)
    placed = api(buyer).post("/orders", {"listing_id": item.public_id}, headers={"X-Request-Id": "req-place"})
    order_id = placed.json()["id"]
    delivered = api(seller).post(f"/orders/{order_id}/deliver", {}, headers={"X-Request-Id": "req-deliver"})
    assert delivered.status_code == 200, delivered.content
    emails = OutboundEmail.objects.order_by("id")
    assert emails.exists()
    assert set(emails.values_list("request_id", flat=True)) <= {"req-place", "req-deliver"}
    deadline = Deadline.objects.filter(status=Deadline.Status.PENDING).order_by("due_at").first()
    assert deadline is not None and deadline.request_id == "req-deliver"

    Worker().tick()  # sends the e-mails
    clock.set_test_time(deadline.due_at)
    Worker().tick()  # applies the deadline

    worker_lines = [line for line in json_lines() if line.get("logger") == "parley.deadlines"]
    applied = [line for line in worker_lines if line["event"] == "deadline applied" and line["deadline"] == deadline.pk]
    assert applied and applied[0]["request_id"] == "req-deliver"
    assert len(mail.outbox) == emails.count()


def test_readyz_names_the_worker_until_every_loop_reports(db, client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failing"] == ["worker"]
    assert body["checks"]["database"] == "ok" and body["checks"]["migrations"] == "ok"
    assert "no deadlines loop has reported" in body["checks"]["worker"]

    Worker().tick()
    assert client.get("/readyz").json() == {
        "status": "ok",
        "failing": [],
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok"},
    }

    WorkerHeartbeat.objects.filter(loop="deadlines").update(beat_at=clock.system_now() - timedelta(seconds=90))
    stale = client.get("/readyz")
    assert stale.status_code == 503
    assert stale.json()["checks"]["worker"].startswith("the deadlines loop last reported 9")


def test_readyz_names_a_migration_not_applied(db, client):
    Worker().tick()
    latest = MigrationRecorder.Migration.objects.filter(app="ops").order_by("-id").first()
    latest.delete()  # as if the code of a release ran before its migrations
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["migrations"]
    assert f"ops.{latest.name}" in response.json()["checks"]["migrations"]


def test_metrics_are_for_staff_or_the_scrape_token(client, make_user, settings):
    settings.METRICS_TOKEN = "scrape-secret-1"
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    client.force_login(make_user())
    assert client.get("/metrics").status_code == 404
    scraped = Client().get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
    assert scraped.status_code == 200
    assert scraped["Content-Type"].startswith("text/plain")
    client.force_login(make_user(staff=True))
    assert client.get("/metrics").status_code == 200


def _samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_metrics_show_requests_deadlines_outbox_and_money(client, make_user):
    buyer, seller = make_user(), make_user()
    factories.delivered_order(buyer, seller, price=25_00)
    client.get("/healthz")
    client.force_login(make_user(staff=True))
    samples = _samples(client.get("/metrics").content.decode())
    assert samples['parley_http_requests_total{method="GET",route="/healthz",status="200"}'] >= 1
    assert samples['parley_http_request_duration_seconds_count{method="GET",route="/healthz"}'] >= 1
    assert samples["parley_deadlines_due"] == 0
    assert samples["parley_deadline_lag_seconds"] == 0
    assert samples['parley_deadlines_total{status="pending"}'] >= 1
    assert samples['parley_outbox_depth{outbox="email"}'] >= 1
    assert samples['parley_webhook_failures{state="failed"}'] == 0
    assert samples['parley_money_moved_minor_total{currency="USD",kind="order_funded"}'] >= 25_00

    clock.set_test_time(clock.now() + timedelta(days=30))  # the worker has not run: deadlines wait
    later = _samples(client.get("/metrics").content.decode())
    assert later["parley_deadlines_due"] >= 1
    assert later["parley_deadline_lag_seconds"] > 0


def _scrape() -> dict[str, float]:
    """What a scraper with the token reads now."""
    with override_settings(METRICS_TOKEN="scrape-secret-2"):
        answer = Client().get("/metrics", headers={"Authorization": "Bearer scrape-secret-2"})
    assert answer.status_code == 200
    return _samples(answer.content.decode())


def test_money_moved_grows_by_what_the_ledger_moved(make_user):
    buyer, seller = make_user(), make_user()
    before = _scrape()
    deposited = 'parley_money_moved_minor_total{currency="USD",kind="deposit"}'
    settled = 'parley_money_moved_minor_total{currency="USD",kind="order_settled"}'

    order = factories.delivered_order(buyer, seller, price=25_00)
    funded = _scrape()
    fee_and_price = Entry.objects.filter(transaction__kind="deposit", amount__gt=0).aggregate(s=Sum("amount"))["s"]
    assert funded[deposited] - before.get(deposited, 0) == fee_and_price >= 25_00
    assert funded.get(settled, 0) == before.get(settled, 0)

    orders.confirm(order_id=order.pk, by=buyer)
    paid = _scrape()
    credits = Entry.objects.filter(transaction__kind="order_settled", amount__gt=0).aggregate(s=Sum("amount"))["s"]
    assert paid[settled] - funded.get(settled, 0) == credits >= 25_00
    assert paid[deposited] == funded[deposited]


def test_webhook_failures_count_retrying_then_given_up_deliveries(make_user):
    staff = make_user("hooks", staff=True)
    receiver = Receiver().start()
    try:
        webhooks.create_endpoint(by=staff, url=receiver.url, events=())
        receiver.script(*[500] * webhooks.MAX_ATTEMPTS)
        assert _scrape()['parley_webhook_failures{state="retrying"}'] == 0
        audit.record("order.delivered", subject=staff, by=SystemActor("test"), role="system", data={})

        webhooks.send_due_webhooks()
        first = _scrape()
        assert first['parley_webhook_failures{state="retrying"}'] == 1
        assert first['parley_webhook_failures{state="failed"}'] == 0

        for _ in range(webhooks.MAX_ATTEMPTS - 1):
            clock.freeze_test_clock(clock.now() + timedelta(hours=7))
            webhooks.send_due_webhooks()
    finally:
        receiver.stop()
    given_up = _scrape()
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED
    assert given_up['parley_webhook_failures{state="failed"}'] == 1
    assert given_up['parley_webhook_failures{state="retrying"}'] == 0
