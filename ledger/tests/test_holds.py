"""Holds and warranties (PRODUCT.md §11): completion under a hold pays the seller's proceeds
into held proceeds, released once at their time; a warranty dispute freezes them and its
settlement takes the money from them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from catalog import actions as catalog
from core import clock
from core.errors import Conflict, ValidationFailed
from core.money import Money
from disputes import actions as dispute_actions
from ledger.models import Account, Hold, Transaction
from ledger.queries import balance_of, wallet_view
from orders import actions as orders
from orders.verdicts import verdict
from payments import actions as payments
from testsupport import factories


def _warranty_order(buyer, seller, *, warranty="7d", price=100_00):
    item = catalog.create_listing(
        by=seller,
        title="Game account",
        description="Level 80",
        kind="product",
        price=Money(price, "USD"),
        warranty=timedelta(days=int(warranty[:-1])),
    )
    factories.fund(buyer, price * 2)
    order = orders.place_order(by=buyer, listing_id=item.pk)
    orders.deliver(order_id=order.pk, by=seller, note="login: x / pass: y")
    return orders.confirm(order_id=order.pk, by=buyer)


def _held(user):
    account = Account.objects.filter(user=user, kind=Account.Kind.HELD, currency="USD").first()
    return account.balance if account else 0


def _wallet(user):
    return Account.objects.get(user=user, kind=Account.Kind.WALLET, currency="USD").balance


def test_a_warranty_holds_the_proceeds_until_it_ends_then_releases_them_once(make_user, tclock):
    buyer, seller = make_user(), make_user()
    order = _warranty_order(buyer, seller)
    assert order.warranty == timedelta(days=7)
    assert order.listing_snapshot["warranty"] == "7d"
    hold = Hold.objects.get(order=order)
    assert (hold.amount, hold.status) == (100_00, "held")
    assert hold.release_at == order.completed_at + timedelta(days=7)
    assert _held(seller) == 100_00
    view = wallet_view(seller)
    assert view.available == [Money(0, "USD")]
    assert view.held == [Money(100_00, "USD")]
    assert view.balances == [Money(100_00, "USD")]
    # The seller cannot withdraw held money.
    with pytest.raises(Conflict) as exc:
        payments.request_withdrawal(by=seller, amount=Money(1, "USD"))
    assert exc.value.code == "insufficient_funds"

    tclock.advance(days=7, seconds=-1)  # just before the release
    hold.refresh_from_db()
    assert hold.status == "held" and _held(seller) == 100_00
    tclock.advance(seconds=1)  # at the release time
    hold.refresh_from_db()
    assert hold.status == "released"
    assert (_held(seller), _wallet(seller)) == (0, 100_00)
    tclock.advance(days=30)
    assert Transaction.objects.filter(kind=Transaction.Kind.HOLD_RELEASED).count() == 1


def test_payout_hold_from_the_policy_holds_every_completion(make_user, tclock, policy_file):
    policy_file('extends = "standard"\npayout_hold = "2d"\n')
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    order = orders.confirm(order_id=order.pk, by=buyer)
    hold = Hold.objects.get(order=order)
    assert hold.release_at == clock.now() + timedelta(days=2)
    # Without a warranty, no dispute after completion, although the money is still held.
    assert verdict(order, "open_dispute", by=buyer, now=clock.now()).code == "dispute_window_closed"
    tclock.advance(days=2)
    assert _wallet(seller) == 100_00


def test_a_warranty_longer_than_the_policy_allows_is_refused(make_user, api):
    seller = make_user()
    with pytest.raises(ValidationFailed) as exc:
        catalog.create_listing(
            by=seller, title="x", description="", kind="product", price=Money(1_00, "USD"), warranty=timedelta(days=31)
        )
    assert exc.value.code == "warranty_too_long"
    body = {"title": "Account", "kind": "product", "price": {"amount": 1_00, "currency": "USD"}}
    too_long = api(seller).post("/listings", body | {"warranty": "31d"})
    assert too_long.status_code == 422 and too_long.json()["code"] == "warranty_too_long"
    garbled = api(seller).post("/listings", body | {"warranty": "a week"})
    assert garbled.status_code == 422 and garbled.json()["code"] == "validation_error"
    ok = api(seller).post("/listings", body | {"warranty": "7d"})
    assert ok.status_code == 201 and ok.json()["warranty"] == "7d"
    path = f"/listings/{ok.json()['id']}"
    assert api(seller).put(path, body).json()["warranty"] == "7d"  # kept when not given
    longer = api(seller).put(path, body | {"warranty": "60d"})
    assert longer.status_code == 422 and longer.json()["code"] == "warranty_too_long"
    assert api(seller).put(path, body | {"warranty": "0d"}).json()["warranty"] is None


@pytest.mark.parametrize("preset", ["igitems", "difmark"], indirect=True)
def test_presets_without_warranties_refuse_any(make_user, preset):
    with pytest.raises(ValidationFailed) as exc:
        catalog.create_listing(
            by=make_user(),
            title="x",
            description="",
            kind="product",
            price=Money(1_00, "USD"),
            warranty=timedelta(days=1),
        )
    assert exc.value.code == "warranty_too_long"


def test_a_warranty_dispute_freezes_the_held_money_and_its_refund_comes_from_it(make_user, tclock, api):
    buyer, seller = make_user(), make_user()
    order = _warranty_order(buyer, seller)
    buyer_before = _wallet(buyer)
    platform = Account.objects.get(kind=Account.Kind.PLATFORM_FEES, currency="USD")
    fees_before = balance_of(platform)
    tclock.advance(days=1)
    shown = api(buyer).get(f"/orders/{order.public_id}").json()
    dispute_verdict = next(v for v in shown["allowed_actions"] if v["action"] == "open_dispute")
    assert dispute_verdict["allowed"] is True
    assert "warranty" in dispute_verdict["reason"].lower()
    assert any(d["name"] == "warranty_ends" for d in shown["deadlines"])

    with pytest.raises(Conflict) as exc:
        factories.open_dispute(order, reason="defective")  # not a warranty reason
    assert exc.value.code == "dispute_window_closed"
    dispute = factories.open_dispute(order, reason="account_recovered", description="The seller took it back.")
    hold = Hold.objects.get(order=order)
    assert hold.status == "frozen"
    order.refresh_from_db()
    assert order.status == "disputed"
    tclock.advance(days=10)  # past the release time: frozen money is not released
    hold.refresh_from_db()
    assert hold.status == "frozen" and _held(seller) == 100_00

    offer = dispute_actions.propose(dispute_id=dispute.pk, by=seller, kind="full_refund", note="Sorry.")
    dispute_actions.accept_proposal(proposal_id=offer.pk, by=buyer)
    order.refresh_from_db()
    hold.refresh_from_db()
    assert order.status == "refunded"
    assert hold.status == "settled"
    assert _held(seller) == 0
    assert _wallet(buyer) == buyer_before + 105_00  # price and service fee back
    assert balance_of(platform) == fees_before - 5_00
    with pytest.raises(Conflict):
        factories.open_dispute(order, reason="key_revoked")


def test_no_warranty_dispute_once_the_warranty_has_ended(make_user, tclock):
    buyer, seller = make_user(), make_user()
    order = _warranty_order(buyer, seller, warranty="3d")
    tclock.advance(days=3, seconds=-1)
    order.refresh_from_db()
    assert verdict(order, "open_dispute", by=buyer, now=clock.now()).allowed
    tclock.advance(seconds=1)
    order = type(order).objects.get(pk=order.pk)
    assert verdict(order, "open_dispute", by=buyer, now=clock.now()).code == "dispute_window_closed"
    assert _wallet(seller) == 100_00  # released: paid out


def test_the_wallet_api_shows_available_held_and_each_hold(make_user, api, tclock):
    buyer, seller = make_user(), make_user()
    order = _warranty_order(buyer, seller)
    body = api(seller).get("/wallet").json()
    assert body["available"] == [{"amount": 0, "currency": "USD"}]
    assert body["held"] == [{"amount": 100_00, "currency": "USD"}]
    assert body["balances"] == [{"amount": 100_00, "currency": "USD"}]  # available + held
    (hold,) = body["holds"]
    assert hold["amount"] == {"amount": 100_00, "currency": "USD"}
    assert hold["order_id"] == order.public_id
    assert hold["release_at"].startswith((order.completed_at + timedelta(days=7)).date().isoformat())
    refused = api(seller).post("/wallet/withdrawals", {"amount": {"amount": 1, "currency": "USD"}})
    assert refused.status_code == 409 and refused.json()["code"] == "insufficient_funds"
    tclock.advance(days=7)
    after = api(seller).get("/wallet").json()
    assert after["available"] == [{"amount": 100_00, "currency": "USD"}]
    assert after["holds"] == []
