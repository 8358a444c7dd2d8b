"""Finding: the buyer paid the price at click time, not the price they saw. An order carries
the total the buyer confirmed (`expected_total`); when the listing's total differs by the time
the order is placed, it is refused with 409 `price_changed` carrying the current total, and
nothing is charged."""

from __future__ import annotations

import re
import threading

import pytest
from django.db import connection
from django.test import Client

from catalog import actions as catalog
from core.errors import Conflict
from core.money import Money
from ledger.queries import wallet_balance
from orders import actions
from orders.models import Order
from testsupport import factories

PASSWORD = "correct-horse-battery"


def _balance(user):
    return wallet_balance(user, "USD").amount


def _reprice(listing, amount):
    return catalog.update_listing(
        listing_id=listing.pk,
        by=listing.seller,
        title=listing.title,
        description=listing.description,
        kind=listing.kind,
        price=Money(amount, listing.currency),
        is_active=True,
    )


def test_the_action_refuses_a_total_the_buyer_did_not_see(make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 5000_00)
    _reprice(item, 1500_00)
    with pytest.raises(Conflict) as refused:
        actions.place_order(by=buyer, listing_id=item.pk, expected_total=Money(10_50, "USD"))
    assert refused.value.code == "price_changed"
    assert refused.value.extra["total"] == {"amount": 1575_00, "currency": "USD"}
    assert _balance(buyer) == 5000_00
    assert not Order.objects.exists()


def test_the_api_answers_409_price_changed_with_the_current_total(api, make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 5000_00)
    client = api(buyer)
    _reprice(item, 1500_00)
    refused = client.post(
        "/orders", {"listing_id": item.public_id, "expected_total": {"amount": 10_50, "currency": "USD"}}
    )
    assert refused.status_code == 409, refused.content
    assert refused["Content-Type"] == "application/problem+json"
    body = refused.json()
    assert body["code"] == "price_changed"
    assert body["total"] == {"amount": 1575_00, "currency": "USD"}
    assert _balance(buyer) == 5000_00
    assert not Order.objects.exists()

    placed = client.post(
        "/orders", {"listing_id": item.public_id, "expected_total": {"amount": 1575_00, "currency": "USD"}}
    )
    assert placed.status_code == 201, placed.content
    assert placed.json()["total"] == {"amount": 1575_00, "currency": "USD"}
    assert _balance(buyer) == 5000_00 - 1575_00


def test_the_api_refuses_a_total_in_another_currency(api, make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 50_00)
    refused = api(buyer).post(
        "/orders", {"listing_id": item.public_id, "expected_total": {"amount": 10_50, "currency": "EUR"}}
    )
    assert refused.status_code == 409
    assert refused.json()["code"] == "price_changed"
    assert _balance(buyer) == 50_00


def test_the_buy_form_carries_the_total_shown_and_refuses_a_changed_price(make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 5000_00)
    web = Client()
    web.login(username=buyer.username, password=PASSWORD)
    page = web.get(f"/listings/{item.public_id}/").content.decode()
    shown = re.search(r'name="expected_total" value="([^"]+)"', page)
    assert shown is not None, "the Buy form carries the total it shows"
    assert shown.group(1) == "1050 USD"  # minor units, as the API takes them

    _reprice(item, 1500_00)
    answer = web.post(f"/listings/{item.public_id}/buy/", {"expected_total": shown.group(1)}, follow=True)
    assert answer.status_code == 200
    assert "price" in answer.content.decode().lower()
    assert "1,575.00" in answer.content.decode() or "1575.00" in answer.content.decode()
    assert _balance(buyer) == 5000_00
    assert not Order.objects.exists()

    page = web.get(f"/listings/{item.public_id}/").content.decode()
    again = re.search(r'name="expected_total" value="([^"]+)"', page)
    assert again is not None
    web.post(f"/listings/{item.public_id}/buy/", {"expected_total": again.group(1)})
    assert Order.objects.get().total == Money(1575_00, "USD")


def test_a_buy_form_without_a_readable_total_charges_nothing(make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 50_00)
    web = Client()
    web.login(username=buyer.username, password=PASSWORD)
    for junk in ("", "ten dollars", "10.50 XXX", "1e999 USD"):
        web.post(f"/listings/{item.public_id}/buy/", {"expected_total": junk})
    assert not Order.objects.exists()
    assert _balance(buyer) == 50_00


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(6))
def test_a_seller_repricing_while_the_buyer_pays_never_charges_the_new_price(make_user, round_):
    """The seller changes the price at the very instant the buyer pays what they saw: the buyer
    pays the old total (their order came first) or nothing (refused with `price_changed`)."""
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=10_00)
    factories.fund(buyer, 5000_00)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def pay() -> None:
        try:
            barrier.wait(timeout=30)
            outcomes["order"] = actions.place_order(by=buyer, listing_id=item.pk, expected_total=Money(10_50, "USD"))
        except Exception as exc:
            outcomes["refusal"] = exc
        finally:
            connection.close()

    def reprice() -> None:
        try:
            barrier.wait(timeout=30)
            _reprice(item, 1500_00)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay), threading.Thread(target=reprice)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if "order" in outcomes:
        assert Order.objects.get().total == Money(10_50, "USD")
        assert _balance(buyer) == 5000_00 - 10_50
    else:
        refusal = outcomes["refusal"]
        assert isinstance(refusal, Conflict) and refusal.code == "price_changed", refusal
        assert not Order.objects.exists()
        assert _balance(buyer) == 5000_00
