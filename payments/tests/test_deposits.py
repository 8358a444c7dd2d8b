from __future__ import annotations

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from catalog import actions as catalog
from core.errors import Conflict, ValidationFailed
from core.money import MAX_AMOUNT, Money
from ledger import queries as ledger
from ledger.models import Account, Transaction
from payments import actions


def test_sandbox_deposit_credits_the_wallet_through_the_clearing_account(make_user):
    user = make_user()
    txn = actions.deposit(by=user, amount=Money(25_00, "USD"))
    assert ledger.wallet_balance(user, "USD").amount == 25_00
    clearing = Account.objects.get(kind=Account.Kind.CLEARING, currency="USD")
    assert sorted(e.amount for e in txn.entries.all()) == [-25_00, 25_00]
    assert txn.entries.get(account=clearing).amount == -25_00


@override_settings(SANDBOX_PAYMENTS=False)
def test_without_a_provider_deposits_are_refused_and_nothing_moves(make_user, api):
    user = make_user()
    with pytest.raises(Conflict) as exc:
        actions.deposit(by=user, amount=Money(25_00, "USD"))
    assert exc.value.code == "payments_unavailable"
    response = api(user).post("/wallet/deposits", {"amount": {"amount": 100, "currency": "USD"}})
    assert response.status_code == 409
    assert response.json()["code"] == "payments_unavailable"
    assert not Transaction.objects.exists()


@pytest.mark.parametrize(
    ("sandbox", "debug", "warned"), [(True, False, True), (False, False, False), (True, True, False)]
)
def test_deploy_check_warns_about_sandbox_money(sandbox, debug, warned):
    with override_settings(SANDBOX_PAYMENTS=sandbox, DEBUG=debug):
        ids = {m.id for m in run_checks(tags=["security"], include_deployment_checks=True)}
    assert ("parley.W001" in ids) == warned


def test_a_wallet_cannot_grow_past_what_money_can_hold(make_user, monkeypatch):
    from payments.providers import SandboxProvider

    monkeypatch.setattr(SandboxProvider, "limit", MAX_AMOUNT)
    user = make_user()
    actions.deposit(by=user, amount=Money(MAX_AMOUNT - 100, "USD"))
    with pytest.raises(Conflict) as exc:
        actions.deposit(by=user, amount=Money(101, "USD"))
    assert exc.value.code == "balance_limit"


def test_prices_leave_room_for_the_fee(make_user):
    seller = make_user()
    with pytest.raises(ValidationFailed) as exc:
        catalog.create_listing(
            by=seller, title="Too much", description="", kind="product", price=Money(MAX_AMOUNT, "USD")
        )
    assert "price" in exc.value.fields


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_non_finite_amounts_are_refused_by_the_preview_not_a_500(client, make_user, tclock, value):
    from testsupport import factories

    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    client.force_login(seller)
    response = client.get(f"/disputes/{dispute.public_id}/preview/", {"kind": "partial_refund", "refund_amount": value})
    assert response.status_code == 200
    assert b"split-error" in response.content
