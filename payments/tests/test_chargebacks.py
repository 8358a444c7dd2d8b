"""Chargebacks (PRODUCT.md §13): the provider takes a deposit back; what the wallet no longer
holds becomes a debt that blocks ordering and withdrawing until a deposit repays it."""

from __future__ import annotations

import pytest
from django.test import override_settings

from core.errors import Conflict
from core.money import Money
from ledger.models import Account
from ledger.queries import in_debt, wallet_view
from notifications.models import Notification
from orders import actions as orders
from payments import actions
from payments.models import Deposit
from testsupport import factories
from tickets.models import Ticket


def test_a_chargeback_takes_the_money_back_and_the_shortfall_becomes_a_debt(make_user):
    buyer, seller = make_user(), make_user()
    txn = actions.deposit(by=buyer, amount=Money(150_00, "USD"))
    deposit = txn.deposit
    assert deposit.public_id.startswith("dep_")
    item = factories.listing(seller, price=100_00)
    order = orders.place_order(by=buyer, listing_id=item.pk)  # 105.00 with the fee
    actions.chargeback(deposit_id=deposit.pk, by=make_user(staff=True))
    wallet = Account.objects.get(user=buyer, kind=Account.Kind.WALLET)
    assert wallet.balance == 0
    view = wallet_view(buyer)
    assert view.available == [Money(-105_00, "USD")]  # the debt: the only way below zero
    assert in_debt(buyer)
    ticket = Ticket.objects.get(owner=buyer)
    assert order.public_id in ticket.messages.first().body
    note = Notification.objects.get(user=buyer, code="wallet.charged_back")
    assert "dispute" in note.body
    # Blocked: ordering and withdrawing.
    with pytest.raises(Conflict) as exc:
        orders.place_order(by=buyer, listing_id=item.pk)
    assert exc.value.code == "in_debt"
    with pytest.raises(Conflict) as exc:
        actions.request_withdrawal(by=buyer, amount=Money(1, "USD"))
    assert exc.value.code == "withdrawals_blocked"
    # Twice: nothing more.
    with pytest.raises(Conflict) as exc:
        actions.chargeback(deposit_id=deposit.pk, by=make_user(staff=True))
    assert exc.value.code == "already_charged_back"
    # A later deposit repays the debt first.
    actions.deposit(by=buyer, amount=Money(100_00, "USD"))
    assert wallet_view(buyer).available == [Money(-5_00, "USD")]
    actions.deposit(by=buyer, amount=Money(20_00, "USD"))
    assert wallet_view(buyer).available == [Money(15_00, "USD")]
    assert not in_debt(buyer)
    orders.place_order(by=buyer, listing_id=factories.listing(seller, price=10_00).pk)


def test_a_chargeback_covered_by_the_wallet_leaves_no_debt(make_user):
    user = make_user()
    txn = actions.deposit(by=user, amount=Money(50_00, "USD"))
    actions.deposit(by=user, amount=Money(20_00, "USD"))
    actions.chargeback(deposit_id=txn.deposit.pk, by=make_user(staff=True))
    assert wallet_view(user).available == [Money(20_00, "USD")]
    assert not in_debt(user)


@override_settings(TEST_CLOCK_ENABLED=True)
def test_the_chargeback_helper(make_user, api):
    user, staff = make_user(), make_user(staff=True)
    made = api(user).post("/wallet/deposits", {"amount": {"amount": 30_00, "currency": "USD"}})
    dep_id = made.json()["id"]
    assert dep_id.startswith("dep_")
    assert api(user).post(f"/test-helpers/deposits/{dep_id}/chargeback").status_code == 403
    assert api(staff).post("/test-helpers/deposits/dep_unknown/chargeback").status_code == 404
    done = api(staff).post(f"/test-helpers/deposits/{dep_id}/chargeback")
    assert done.status_code == 200 and done.json()["status"] == "charged_back"
    assert Deposit.objects.get(public_id=dep_id).status == "charged_back"
    again = api(staff).post(f"/test-helpers/deposits/{dep_id}/chargeback")
    assert again.status_code == 409
    assert api(user).get("/wallet").json()["available"] == [{"amount": 0, "currency": "USD"}]
