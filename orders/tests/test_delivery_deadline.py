"""Orders that are not delivered (PRODUCT.md §12): the seller is reminded before
`delivery_due`; after it the buyer may cancel at once for a full refund; `auto_cancel_after`
cancels by itself. Every boundary is checked a second before and at the deadline."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.errors import Conflict
from core.models import AuditEvent
from ledger.models import Account
from notifications.models import Notification
from orders import actions
from orders.models import Order
from orders.verdicts import verdict
from testsupport import factories


def _wallet(user):
    return Account.objects.get(user=user, kind=Account.Kind.WALLET, currency="USD").balance


def test_the_buyer_may_cancel_only_once_the_delivery_is_overdue(make_user, tclock):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    before = _wallet(buyer)
    due = order.placed_at + timedelta(hours=72)
    tclock.advance(hours=72, seconds=-1)
    with pytest.raises(Conflict) as exc:
        actions.cancel(order_id=order.pk, by=buyer)
    assert exc.value.code == "cancel_too_early"
    assert exc.value.available_at == due
    tclock.advance(seconds=1)
    assert verdict(Order.objects.get(pk=order.pk), "cancel", by=buyer, now=clock.now()).allowed
    cancelled = actions.cancel(order_id=order.pk, by=buyer, reason="never came")
    assert cancelled.status == "cancelled"
    assert _wallet(buyer) == before + order.total.amount
    assert AuditEvent.objects.filter(code="order.cancelled", actor_role="buyer").count() == 1


def test_the_seller_is_reminded_before_the_delivery_deadline(make_user, tclock):
    buyer, seller = make_user(), make_user()
    factories.paid_order(buyer, seller)
    tclock.advance(hours=60, seconds=-1)  # reminder_before_deadline is 12h
    assert not Notification.objects.filter(user=seller, code="order.delivery_due_soon").exists()
    tclock.advance(seconds=1)
    assert Notification.objects.filter(user=seller, code="order.delivery_due_soon").count() == 1
    tclock.advance(hours=12)
    assert Notification.objects.filter(user=buyer, code="order.delivery_overdue").count() == 1


def test_an_undelivered_order_cancels_by_itself_after_auto_cancel_after(make_user, tclock):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    before = _wallet(buyer)
    tclock.advance(days=7, seconds=-1)
    assert Order.objects.get(pk=order.pk).status == "paid"
    tclock.advance(seconds=1)
    assert Order.objects.get(pk=order.pk).status == "cancelled"
    assert _wallet(buyer) == before + order.total.amount
    assert AuditEvent.objects.filter(code="order.auto_cancelled").count() == 1


def test_delivery_withdraws_the_delivery_deadlines(make_user, tclock):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    actions.deliver(order_id=order.pk, by=seller)
    tclock.advance(days=2, hours=23)
    assert Order.objects.get(pk=order.pk).status == "delivered"  # not cancelled at 7 days, nor reminded
    assert not Notification.objects.filter(code__in=["order.delivery_due_soon", "order.delivery_overdue"]).exists()


def test_the_api_shows_both_deadlines_and_the_cancel_verdict(make_user, api, tclock):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    shown = api(buyer).get(f"/orders/{order.public_id}").json()
    names = [d["name"] for d in shown["deadlines"]]
    assert names == ["delivery_due", "auto_cancel"]
    cancel = next(v for v in shown["allowed_actions"] if v["action"] == "cancel")
    assert cancel["allowed"] is False and cancel["available_at"] is not None
    early = api(buyer).post(f"/orders/{order.public_id}/cancel", {})
    assert early.status_code == 409 and early.json()["code"] == "cancel_too_early"
    assert early.json()["available_at"] == cancel["available_at"]
    tclock.advance(hours=72)
    done = api(buyer).post(f"/orders/{order.public_id}/cancel", {})
    assert done.status_code == 200 and done.json()["status"] == "cancelled"


@pytest.mark.parametrize("preset", ["igitems", "difmark"], indirect=True)
def test_presets_without_a_delivery_deadline_never_cancel_by_themselves(make_user, tclock, preset):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    tclock.advance(days=60)
    assert Order.objects.get(pk=order.pk).status == "paid"
    assert verdict(Order.objects.get(pk=order.pk), "cancel", by=buyer, now=clock.now()).code == "cancel_too_early"


def test_orders_placed_before_keep_their_rules(make_user, tclock, policy_file):
    buyer, seller = make_user(), make_user()
    policy_file('extends = "standard"\ndelivery_due = "none"\nauto_cancel_after = "none"\n', name="before")
    old = factories.paid_order(buyer, seller)
    policy_file('extends = "standard"\n', name="after")
    new = factories.paid_order(buyer, seller)
    tclock.advance(days=8)
    assert Order.objects.get(pk=old.pk).status == "paid"
    assert Order.objects.get(pk=new.pk).status == "cancelled"
