"""A suspension racing the seller's business, on PostgreSQL with real connections released
together: orders being placed, a completion falling due, messages that notify the seller. No
race creates an order the suspension missed, pays a suspended seller by itself, deadlocks, or
moves money wrongly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts import actions
from core import clock
from core.models import AuditEvent
from disputes import actions as dispute_actions
from ledger import queries as ledger
from ops import deadlines as engine
from ops.ledger_check import run_checks
from orders import actions as orders
from orders.models import Order
from orders.tests.test_races import race
from testsupport import factories

pytestmark = pytest.mark.postgres
REASON = "Reported for revoked keys."


@pytest.fixture
def cast(transactional_db, make_user):
    return make_user("seller"), make_user("staff", staff=True)


def test_orders_racing_a_suspension_are_either_seen_by_it_or_refused(cast, make_user):
    seller, staff = cast
    item = factories.listing(seller, price=10_00)
    buyers = [make_user() for _ in range(12)]
    for buyer in buyers:
        factories.fund(buyer, 50_00)

    calls = [lambda b=b: orders.place_order(by=b, listing_id=item.pk) for b in buyers]
    calls.insert(6, lambda: actions.suspend(user_id=seller.pk, by=staff, reason=REASON))
    outcomes = race(*calls)

    assert outcomes.crashed == []
    assert {r.code for r in outcomes.refused} <= {"seller_unavailable"}
    placed = Order.objects.filter(seller=seller)
    told = set(AuditEvent.objects.filter(code="order.seller_suspended").values_list("subject_id", flat=True))
    assert set(placed.values_list("pk", flat=True)) == told  # every order was placed before and seen
    for buyer in buyers:
        spent = sum(o.total.amount for o in placed.filter(buyer=buyer))
        assert ledger.wallet_balance(buyer, "USD").amount == 50_00 - spent
    assert run_checks().ok


def test_a_completion_falling_due_during_a_suspension_pays_before_or_never(cast, make_user):
    seller, staff = cast
    start = clock.now()
    delivered = []
    for i in range(4):
        clock.set_test_time(start + timedelta(minutes=i))
        delivered.append(factories.delivered_order(make_user(), seller, price=10_00))
    clock.set_test_time(start + timedelta(hours=61))
    engine.run_due()  # the reminders, so only the completions are left
    clock.set_test_time(delivered[0].delivered_at + timedelta(hours=72))

    outcomes = race(engine.run_one, lambda: actions.suspend(user_id=seller.pk, by=staff, reason=REASON))

    assert outcomes.crashed == []
    first = Order.objects.get(pk=delivered[0].pk)
    paid = ledger.wallet_balance(seller, "USD").amount
    if first.status == Order.Status.COMPLETED:
        assert paid == first.price_amount  # completed before the suspension took the lock
    else:
        assert first.status == Order.Status.DELIVERED and paid == 0
    clock.set_test_time(start + timedelta(days=30))
    engine.run_due()
    assert ledger.wallet_balance(seller, "USD").amount == paid  # nothing more while suspended
    assert run_checks().ok


def test_messages_that_notify_the_seller_do_not_deadlock_with_the_suspension(cast, make_user):
    seller, staff = cast
    disputes = []
    for _ in range(4):
        order = factories.delivered_order(make_user(), seller)
        clock.set_test_time(clock.now() + timedelta(minutes=16))
        disputes.append(factories.open_dispute(order))

    calls = [
        lambda d=d: dispute_actions.post_message(dispute_id=d.pk, by=d.order.buyer, body="Any news?") for d in disputes
    ]
    calls.append(lambda: actions.suspend(user_id=seller.pk, by=staff, reason=REASON))
    outcomes = race(*calls)

    assert outcomes.crashed == []
    assert AuditEvent.objects.filter(code="dispute.party_suspended").count() == 4
    assert run_checks().ok
