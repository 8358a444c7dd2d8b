"""Audit events become deliveries in the transaction of the change they report (the
transactional outbox), for the active endpoints whose filter takes them."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core import audit, clock
from core.actors import SystemActor
from disputes import actions as disputes
from disputes.models import Proposal
from orders import actions as orders
from testsupport import factories
from webhooks import actions
from webhooks.fanout import matches
from webhooks.models import WebhookDelivery

Status = WebhookDelivery.Status


def codes(endpoint) -> list[str]:
    return list(endpoint.deliveries.order_by("id").values_list("event_code", flat=True))


def test_an_order_lifecycle_through_the_actions_queues_one_delivery_per_event(make_user, receiver, endpoint):
    hook = endpoint(receiver.url, events=("order.",))
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.paid_order(buyer, seller)
    orders.deliver(order_id=order.pk, by=seller, note="KEY")
    orders.confirm(order_id=order.pk, by=buyer)

    assert codes(hook) == ["order.placed", "order.delivered", "order.settled", "order.confirmed"]
    assert receiver.requests == []  # nothing leaves inside the action: the worker sends
    delivered = hook.deliveries.get(event_code="order.delivered")
    assert delivered.status == Status.PENDING
    assert delivered.attempts == 0
    assert delivered.next_attempt_at == clock.now()
    assert delivered.payload == {
        "id": delivered.event_id,
        "type": "order.delivered",
        "created_at": "2026-03-02T10:00:00Z",
        "data": {
            "order_id": order.public_id,
            "has_note": True,
            "actor": {"role": "seller", "user_id": seller.public_id, "rule": None},
        },
    }


def test_payloads_name_subjects_by_public_id_never_by_database_integer(make_user, receiver, endpoint, tclock):
    hook = endpoint(receiver.url, events=("dispute.", "order.settled"))
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    request = dispute.proposals.get(status=Proposal.Status.OPEN)
    disputes.accept_proposal(proposal_id=request.pk, by=seller)

    assert "dispute.resolved" in codes(hook)
    resolved = hook.deliveries.get(event_code="dispute.resolved").payload["data"]
    assert resolved["dispute_id"] == dispute.public_id
    assert resolved["order_id"] == order.public_id
    assert resolved["outcome"] == "full_refund"
    for delivery in hook.deliveries.all():
        assert re.fullmatch(r"evt_[0-9a-z]{20}", delivery.payload["id"])
        for key, value in identifiers(delivery.payload):
            assert isinstance(value, str) and re.fullmatch(r"[a-z]{3}_[0-9a-z]{20}", value), (key, value)


def identifiers(value, key=""):
    """Every (key, value) whose key names an id, however deep."""
    if isinstance(value, dict):
        for k, v in value.items():
            if (k == "id" or k.endswith("_id")) and v is not None:
                yield k, v
            yield from identifiers(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from identifiers(item, key)


def test_deliveries_commit_with_the_change_and_vanish_when_it_rolls_back(make_user, receiver, endpoint):
    hook = endpoint(receiver.url)
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.paid_order(buyer, seller)
    before = hook.deliveries.count()

    seen_inside = []

    def deliver_then_fail() -> None:
        with transaction.atomic():
            orders.deliver(order_id=order.pk, by=seller)
            seen_inside.extend(codes(hook))  # written inside the change's transaction
            raise RuntimeError("the request failed after the action")

    with pytest.raises(RuntimeError):
        deliver_then_fail()

    assert seen_inside[-1] == "order.delivered"
    assert hook.deliveries.count() == before
    order.refresh_from_db()
    assert order.status == "paid"


def test_a_failing_subscriber_aborts_the_change_so_no_event_goes_unreported(make_user):
    user = make_user()

    def broken(event, subject):
        raise RuntimeError("outbox unavailable")

    audit.subscribe(broken)
    try:
        with pytest.raises(RuntimeError), transaction.atomic():  # an action's transaction
            audit.record("test.change", subject=user, by=SystemActor("test"), role="system")
    finally:
        audit.unsubscribe(broken)
    assert not audit.AuditEvent.objects.filter(code="test.change").exists()


def test_each_endpoint_gets_what_its_filter_takes_under_one_shared_event_id(make_user, receiver, endpoint):
    everything = endpoint(receiver.url)
    orders_only = endpoint(receiver.url, events=("order",))
    completions = endpoint(receiver.url, events=("order.confirmed", "dispute.resolved"))
    factories.delivered_order(make_user("buyer"), make_user("seller"))

    assert set(codes(everything)) >= {"listing.created", "wallet.deposited", "order.placed", "order.delivered"}
    assert codes(orders_only) == ["order.placed", "order.delivered"]
    assert codes(completions) == []
    placed = WebhookDelivery.objects.filter(event_code="order.placed")
    assert placed.count() == 2
    assert len(set(placed.values_list("event_id", flat=True))) == 1


def test_disabled_endpoints_get_nothing_and_lose_what_was_pending(make_user, receiver, endpoint, staff):
    hook = endpoint(receiver.url)
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.paid_order(buyer, seller)
    pending = hook.deliveries.count()

    actions.disable_endpoint(endpoint_id=hook.pk, by=staff)
    orders.deliver(order_id=order.pk, by=seller)

    assert hook.deliveries.count() == pending
    assert not hook.deliveries.filter(status=Status.PENDING).exists()
    assert set(hook.deliveries.values_list("last_error", flat=True)) == {"The endpoint was disabled."}
    event = audit.AuditEvent.objects.get(code="webhook.disabled")
    assert event.data == {"pending_dropped": pending}


def test_webhook_configuration_is_audited_but_not_delivered(receiver, endpoint, staff):
    first = endpoint(receiver.url)
    endpoint(receiver.url)
    actions.disable_endpoint(endpoint_id=first.pk, by=staff)
    assert audit.AuditEvent.objects.filter(code__startswith="webhook.").count() == 3
    assert not WebhookDelivery.objects.exists()


def test_recording_an_event_costs_two_queries_for_webhooks_when_nobody_listens(make_user):
    """The event is stored for GET /events (one insert) and the endpoints are looked up once."""
    user = make_user()
    with CaptureQueriesContext(connection) as ctx:
        audit.record("test.change", subject=user, by=SystemActor("test"), role="system")
    webhook_queries = [q["sql"] for q in ctx.captured_queries if "webhook" in q["sql"]]
    assert len(webhook_queries) == 2
    assert webhook_queries[0].startswith("INSERT INTO") and "webhooks_event" in webhook_queries[0]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    ("filters", "code", "taken"),
    [
        ([], "order.delivered", True),
        (["order."], "order.delivered", True),
        (["order"], "order.delivered", True),
        (["order."], "orders.thing", False),
        (["dispute.resolved"], "dispute.resolved", True),
        (["dispute.resolved"], "dispute.resolved_later", False),
        (["dispute.resolved"], "dispute.opened", False),
        (["ticket.", "dispute.resolved"], "ticket.answered", True),
    ],
)
def test_filters_take_codes_and_families_at_a_dot(filters, code, taken):
    assert matches(filters, code) is taken


def test_the_automatic_completions_two_events_are_copied_and_queued_in_order_each_under_its_own_id(
    make_user, receiver, endpoint
):
    from webhooks.models import Event

    everything, settled_only = endpoint(receiver.url), endpoint(receiver.url, events=("order.settled",))
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.delivered_order(buyer, seller)
    before = set(Event.objects.values_list("pk", flat=True))

    orders.auto_complete(order_id=order.pk, by=SystemActor(rule="guarantee_window"))

    copies = list(Event.objects.exclude(pk__in=before).order_by("id"))
    assert [c.code for c in copies] == ["order.settled", "order.auto_completed"]
    assert len({c.public_id for c in copies}) == 2
    assert codes(everything) == [*codes(everything)[:-2], "order.settled", "order.auto_completed"]
    assert codes(settled_only) == ["order.settled"]
    for copy in copies:
        assert everything.deliveries.get(event_id=copy.public_id).payload == copy.payload
        assert copy.order_id == order.public_id
    assert settled_only.deliveries.get().event_id == copies[0].public_id
    assert copies[1].payload["data"]["actor"] == {"role": "system", "user_id": None, "rule": "guarantee_window"}
