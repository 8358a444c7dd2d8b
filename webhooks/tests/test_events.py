"""`GET /events` lists what webhooks deliver: the same ids and bodies, newest first, kept 30 days."""

from __future__ import annotations

from datetime import timedelta

from core import clock
from core.models import Deadline
from orders import actions as orders
from testsupport import factories
from webhooks import actions
from webhooks.models import Event


def test_events_equal_what_the_receiver_was_sent(make_user, receiver, endpoint, api, staff):
    clock.freeze_test_clock(clock.now() + timedelta(microseconds=123_456))  # times keep their digits
    endpoint(receiver.url)
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.paid_order(buyer, seller)
    orders.deliver(order_id=order.pk, by=seller, note="KEY")
    orders.confirm(order_id=order.pk, by=buyer)
    while actions.send_due_webhooks():
        pass
    sent = [r.json() for r in receiver.requests]
    assert len(sent) >= 4
    listed = api(staff).get("/events", limit=100).json()
    assert listed["next_cursor"] is None
    assert listed["items"] == list(reversed(sent))  # newest first
    assert [r.headers["webhook-id"] for r in receiver.requests] == [e["id"] for e in reversed(listed["items"])]


def test_events_are_kept_without_any_endpoint_and_filtered_by_type_and_subject(make_user, api, staff):
    buyer, seller = make_user("buyer"), make_user("seller")
    first = factories.paid_order(buyer, seller)
    second = factories.paid_order(buyer, seller)
    orders.deliver(order_id=first.pk, by=seller, note="KEY")
    client = api(staff)
    delivered = client.get("/events", type="order.delivered").json()["items"]
    assert [e["data"]["order_id"] for e in delivered] == [first.public_id]
    of_second = client.get("/events", subject=second.public_id).json()["items"]
    assert {e["type"] for e in of_second} == {"order.placed"}
    assert all(e["type"].startswith("order.") for e in client.get("/events", type="order.").json()["items"])
    assert client.get("/events", type="dispute.").json()["items"] == []


def test_events_page_newest_first_with_a_cursor(make_user, api, staff):
    buyer, seller = make_user("buyer"), make_user("seller")
    for _ in range(3):
        factories.paid_order(buyer, seller)
    client = api(staff)
    everything = [e["id"] for e in client.get("/events", limit=100).json()["items"]]
    page = client.get("/events", limit=2).json()
    rest = client.get("/events", limit=100, cursor=page["next_cursor"]).json()
    assert [e["id"] for e in page["items"]] + [e["id"] for e in rest["items"]] == everything
    assert everything == list(Event.objects.order_by("-id").values_list("public_id", flat=True))


def test_only_staff_read_events_with_a_token(make_user, api):
    assert api(make_user()).get("/events").status_code == 403
    assert api().get("/events").status_code == 401


def test_the_worker_prunes_events_after_30_days(make_user, tclock):
    factories.paid_order(make_user(), make_user())
    Deadline.objects.all().delete()  # the order's own timers would add events on the way
    kept = Event.objects.count()
    tclock.advance(days=29)
    assert actions.prune_events() == 0 and Event.objects.count() == kept
    tclock.advance(days=1, seconds=1)
    assert actions.prune_events() == kept and not Event.objects.exists()
    assert timedelta(days=30) <= actions.EVENT_RETENTION
