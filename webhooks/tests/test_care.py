"""Webhook care: a test event, one more try of a delivery, secret rotation with both secrets
signing for 24 h, disabling after 3 days of failures with a notice to staff, and retry jitter."""

from __future__ import annotations

from datetime import timedelta

import pytest
from standardwebhooks import Webhook

from core import audit, clock
from core.actors import SystemActor
from integrations import actions as integrations
from notifications.models import Notification
from webhooks import actions
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.tests.receiver import verify

Status = WebhookDelivery.Status


def record(subject) -> None:
    audit.record("order.delivered", subject=subject, by=SystemActor("test"), role="system")


def later(**delta: float) -> None:
    clock.freeze_test_clock(clock.now() + timedelta(**delta))


def send_all() -> None:
    while actions.send_due_webhooks():
        pass


def test_a_rotated_secret_signs_beside_the_old_one_for_24_hours(receiver, endpoint, staff, api):
    hook = endpoint(receiver.url)
    old = hook.secret
    response = api(staff).post(f"/webhooks/{hook.public_id}/rotate-secret")
    assert response.status_code == 200, response.content
    new = response.json()["secret"]
    assert new.startswith("whsec_") and new != old
    assert "secret" not in api(staff).get(f"/webhooks/{hook.public_id}").json()

    record(staff)
    send_all()
    first = receiver.requests[-1]
    assert verify(old, first) and verify(new, first)
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    headers = dict(first.headers)
    assert Webhook(old).verify(first.body, headers) and Webhook(new).verify(first.body, headers)

    later(hours=24)
    record(staff)
    send_all()
    last = receiver.requests[-1]
    assert verify(new, last)
    with pytest.raises(AssertionError):
        verify(old, last)
    assert len(last.headers["webhook-signature"].split(" ")) == 1


def test_a_test_event_goes_to_that_endpoint_only(receiver, endpoint, staff, api):
    hook = endpoint(receiver.url)
    other = endpoint(receiver.url)
    response = api(staff).post(f"/webhooks/{hook.public_id}/test")
    assert response.status_code == 202 and response.json()["type"] == "webhook.test"
    send_all()
    (received,) = receiver.requests
    body = verify(hook.secret, received)
    assert body["type"] == "webhook.test" and body["data"] == {"webhook_id": hook.public_id}
    assert not other.deliveries.exists()


def test_a_key_alone_manages_webhooks_but_a_user_does_not(receiver, endpoint, make_user, api):
    from integrations.tests.conftest import KeyClient

    hook = endpoint(receiver.url)
    _, secret = integrations.create_key(name="Shop backend", scopes=None, by=SystemActor(rule="test"))
    client = KeyClient(secret)
    assert client.post(f"/webhooks/{hook.public_id}/test").status_code == 202
    assert client.get(f"/webhooks/{hook.public_id}/deliveries").json()["items"][0]["type"] == "webhook.test"
    assert api(make_user()).post(f"/webhooks/{hook.public_id}/test").status_code == 403
    _, narrow = integrations.create_key(name="Events only", scopes=["events"], by=SystemActor(rule="test"))
    assert KeyClient(narrow).post(f"/webhooks/{hook.public_id}/rotate-secret").status_code == 403


def test_one_delivery_gets_one_more_try_now(receiver, endpoint, staff, api):
    hook = endpoint(receiver.url)
    receiver.script(*[500] * actions.MAX_ATTEMPTS)
    record(staff)
    delivery = hook.deliveries.get()
    while delivery.status == Status.PENDING:  # every back-off, about 14.5 h in all
        clock.freeze_test_clock(max(clock.now(), delivery.next_attempt_at))
        send_all()
        delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, actions.MAX_ATTEMPTS)
    response = api(staff).post(f"/webhooks/{hook.public_id}/deliveries/{delivery.event_id}/retry")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    send_all()
    delivery.refresh_from_db()
    assert delivery.status == Status.SENT and receiver.requests[-1].headers["webhook-id"] == delivery.event_id
    missing = api(staff).post(f"/webhooks/{hook.public_id}/deliveries/evt_nothing/retry")
    assert missing.status_code == 404


def test_an_endpoint_failing_for_3_days_is_disabled_and_staff_are_told(receiver, endpoint, staff):
    hook = endpoint(receiver.url)
    receiver.script(*[500] * 200)
    record(staff)
    send_all()
    hook.refresh_from_db()
    assert hook.failing_since == clock.now() and hook.is_active
    for _ in range(11):  # a new event every 6 hours, every try failing
        later(hours=6)
        record(staff)
        send_all()
    later(hours=5, minutes=59)
    record(staff)
    send_all()
    hook.refresh_from_db()
    assert hook.is_active  # 3 days have not quite passed since the first failure
    later(minutes=1)
    record(staff)
    send_all()
    hook.refresh_from_db()
    assert not hook.is_active and hook.disabled_at == clock.now()
    notice = Notification.objects.get(user=staff, code="webhook.disabled")
    assert hook.public_id in notice.title


def test_a_success_clears_the_failing_streak(receiver, endpoint, staff):
    hook = endpoint(receiver.url)
    receiver.script(500, 200)
    record(staff)
    send_all()
    later(seconds=30)
    send_all()
    assert WebhookEndpoint.objects.get(pk=hook.pk).failing_since is None


def test_retries_are_jittered_within_the_configured_spread(settings):
    settings.WEBHOOK_RETRY_JITTER = 0.2
    delays = {actions.jittered(timedelta(seconds=100)) for _ in range(50)}
    assert len(delays) > 1
    assert all(timedelta(seconds=100) <= d <= timedelta(seconds=120) for d in delays)
