from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import Conflict, Forbidden, NotAllowedInState
from core.models import AuditEvent, Deadline
from ledger import queries as ledger
from ledger.models import Transaction
from notifications.models import Notification
from orders import actions
from orders.models import Order
from testsupport import factories


@pytest.fixture
def people(make_user):
    return make_user("buyer"), make_user("seller")


def test_placing_moves_price_and_fee_into_escrow(people):
    buyer, seller = people
    factories.fund(buyer, 200_00)
    item = factories.listing(seller, price=100_00)

    order = actions.place_order(by=buyer, listing_id=item.pk)

    assert order.status == Order.Status.PAID
    assert order.fee.amount == 5_00  # 5 % of 100.00
    assert ledger.wallet_balance(buyer, "USD").amount == 200_00 - 105_00
    assert ledger.escrow_balance(order.pk) == 105_00
    assert order.listing_snapshot["title"] == item.title
    assert order.policy_version.name == "standard"
    assert AuditEvent.objects.filter(code="order.placed", case_id=order.pk).count() == 1


def test_minimum_fee_applies_to_cheap_items(people):
    buyer, seller = people
    order = factories.paid_order(buyer, seller, price=1_00)
    assert order.fee.amount == 30  # 5 % would be 0.05; the minimum is 0.30


def test_placing_without_enough_money_is_refused_and_writes_nothing(people):
    buyer, seller = people
    factories.fund(buyer, 50_00)
    item = factories.listing(seller, price=100_00)

    with pytest.raises(Conflict) as exc:
        actions.place_order(by=buyer, listing_id=item.pk)

    assert exc.value.code == "insufficient_funds"
    assert not Order.objects.exists()
    assert ledger.wallet_balance(buyer, "USD").amount == 50_00


def test_buying_your_own_listing_is_refused(people):
    _, seller = people
    factories.fund(seller, 500_00)
    item = factories.listing(seller)
    with pytest.raises(Conflict) as exc:
        actions.place_order(by=seller, listing_id=item.pk)
    assert exc.value.code == "own_listing"


def test_confirm_pays_seller_and_platform_keeps_fee(people):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller, price=100_00)

    actions.confirm(order_id=order.pk, by=buyer)

    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert ledger.wallet_balance(seller, "USD").amount == 100_00
    assert ledger.escrow_balance(order.pk) == 0
    settlement = Transaction.objects.get(order=order, kind=Transaction.Kind.ORDER_SETTLED)
    amounts = sorted(e.amount for e in settlement.entries.all())
    assert amounts == [-105_00, 5_00, 100_00]
    assert Notification.objects.filter(user=seller, code="order.completed").exists()
    assert not Deadline.objects.filter(case_id=order.pk, status=Deadline.Status.PENDING).exists()


def test_only_the_buyer_confirms_and_only_once(people):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller)
    with pytest.raises(Forbidden):
        actions.confirm(order_id=order.pk, by=seller)
    actions.confirm(order_id=order.pk, by=buyer)
    with pytest.raises(NotAllowedInState):
        actions.confirm(order_id=order.pk, by=buyer)
    assert Transaction.objects.filter(order=order, kind=Transaction.Kind.ORDER_SETTLED).count() == 1


def test_confirm_before_delivery_is_refused(people):
    buyer, seller = people
    order = factories.paid_order(buyer, seller)
    with pytest.raises(NotAllowedInState):
        actions.confirm(order_id=order.pk, by=buyer)


def test_unconfirmed_order_completes_when_the_guarantee_window_ends(people, tclock):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller, price=40_00)

    tclock.advance(hours=72, seconds=-1)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED

    tclock.advance(seconds=1)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert order.completed_at == order.delivered_at + timedelta(hours=72)
    assert ledger.wallet_balance(seller, "USD").amount == 40_00
    event = AuditEvent.objects.get(case_id=order.pk, code="order.auto_completed")
    assert event.actor_role == "system" and event.rule == "guarantee_window"
    assert Notification.objects.filter(user=buyer, code="order.auto_completed").exists()


def test_buyer_is_reminded_twelve_hours_before_the_window_ends(people, tclock):
    buyer, seller = people
    factories.delivered_order(buyer, seller)
    tclock.advance(hours=60, seconds=-1)
    assert not Notification.objects.filter(user=buyer, code="order.guarantee_ending").exists()
    tclock.advance(seconds=1)
    assert Notification.objects.filter(user=buyer, code="order.guarantee_ending").count() == 1


def test_seller_cancels_undelivered_order_with_full_refund(people):
    buyer, seller = people
    factories.fund(buyer, 105_00)
    item = factories.listing(seller, price=100_00)
    order = actions.place_order(by=buyer, listing_id=item.pk)

    actions.cancel(order_id=order.pk, by=seller, reason="Out of stock")

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert ledger.wallet_balance(buyer, "USD").amount == 105_00
    assert ledger.escrow_balance(order.pk) == 0


def test_delivered_order_cannot_be_cancelled(people):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller)
    with pytest.raises(NotAllowedInState):
        actions.cancel(order_id=order.pk, by=seller)


def test_listing_changes_do_not_change_the_order_snapshot(people):
    from catalog import actions as catalog
    from core.money import Money

    buyer, seller = people
    order = factories.paid_order(buyer, seller, price=10_00)
    catalog.update_listing(
        listing_id=order.listing_id,
        by=seller,
        title="Changed",
        description="Different now",
        kind="product",
        price=Money(99_00, "USD"),
        is_active=True,
    )
    order.refresh_from_db()
    assert order.listing_snapshot["title"] == "Game key"
    assert order.price.amount == 10_00
