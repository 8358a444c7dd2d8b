"""Where suspension, warranties, withdrawals, erasure and disputes meet: each case here was a
defect found after those features were put together, none of which their own tests could see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts import actions as accounts
from accounts.models import User
from catalog import actions as catalog
from core.actors import SystemActor
from core.errors import Conflict
from core.money import Money
from disputes.models import Dispute
from ledger.queries import wallet_balance
from ops import privacy
from orders import actions as orders
from payments import actions as payments
from testsupport import factories


@pytest.fixture
def staff(make_user):
    return make_user("mediator", staff=True)


def _warranty_order(buyer, seller):
    item = catalog.create_listing(
        by=seller, title="Game account", description="Level 80", kind="product",
        price=Money(100_00, "USD"), warranty=timedelta(days=7),
    )  # fmt: skip
    factories.fund(buyer, 200_00)
    order = orders.place_order(by=buyer, listing_id=item.pk)
    orders.deliver(order_id=order.pk, by=seller, note="login: x / pass: y")
    return orders.confirm(order_id=order.pk, by=buyer)


def test_a_warranty_dispute_can_be_opened_through_the_api(make_user, api, tclock):
    buyer, seller = make_user(), make_user()
    order = _warranty_order(buyer, seller)
    body = {
        "order_id": order.public_id,
        "reason": "account_recovered",
        "description": "The seller took the account back.",
        "requested_outcome": {"kind": "full_refund"},
        "accept_terms": True,
    }

    opened = api(buyer).post("/disputes", body)

    assert opened.status_code == 201, opened.content
    assert opened.json()["reason"] == "account_recovered"


def test_a_dispute_opened_against_a_suspended_seller_goes_to_the_administration(make_user, staff, tclock):
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    accounts.suspend(user_id=seller.pk, by=staff, reason="Reports of recovered accounts.")
    tclock.advance(minutes=15)

    dispute = factories.open_dispute(order, reason="defective")

    assert Dispute.objects.get(pk=dispute.pk).status == Dispute.Status.ESCALATED


def test_the_automatic_completion_rereads_the_seller_after_taking_the_order_lock(make_user, staff, monkeypatch):
    # On PostgreSQL the seller joined to the locked order row is as it was before the lock wait;
    # a suspension committed meanwhile must still stop the payout.
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    before_the_wait = orders.lock_order(order.pk)
    User.objects.filter(pk=seller.pk).update(is_active=False)  # the suspension, committed meanwhile
    monkeypatch.setattr(orders, "lock_order", lambda order_id: before_the_wait)
    earned = wallet_balance(seller, "USD")

    with pytest.raises(Conflict) as refused:
        orders.auto_complete(order_id=order.pk, by=SystemActor(rule="guarantee_window"))

    assert refused.value.code == "seller_suspended"
    assert wallet_balance(seller, "USD") == earned


def test_a_withdrawal_rereads_a_suspension_committed_after_the_request_authenticated(make_user, staff):
    seller = make_user()
    factories.fund(seller, 50_00)
    as_authenticated = User.objects.get(pk=seller.pk)
    accounts.suspend(user_id=seller.pk, by=staff, reason="Reports of recovered accounts.")

    with pytest.raises(Conflict) as refused:
        payments.request_withdrawal(by=as_authenticated, amount=Money(10_00, "USD"))

    assert refused.value.code == "withdrawals_blocked"


def test_erasure_waits_while_proceeds_are_held(make_user, staff):
    buyer, seller = make_user(), make_user()
    _warranty_order(buyer, seller)  # the seller's 100.00 is held for the warranty's 7 days

    blockers = privacy.erasure_blockers(seller)

    assert any("held" in b for b in blockers), blockers
    with pytest.raises(Conflict):
        privacy.erase_user(user_id=seller.pk, by=staff)
