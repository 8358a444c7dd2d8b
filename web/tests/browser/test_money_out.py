"""Money out in the browser: a seller sees proceeds held under a warranty, cannot withdraw
them, sees the hold release and withdraws; a buyer cancels an order that was never delivered.
Screenshots: wallet-held, wallet-withdrawn, order-cancel-overdue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from catalog import actions as catalog
from core.money import Money
from ops import deadlines
from orders import actions as orders
from testsupport import factories

pytestmark = pytest.mark.browser


def test_a_seller_withdraws_and_sees_the_hold_release(page, live_server, person, login, shot):
    alice, bob = person("alice"), person("bob")
    item = catalog.create_listing(
        by=bob,
        title="Game account, level 80",
        description="Recovery e-mail included.",
        kind="product",
        price=Money(100_00, "USD"),
        warranty=timedelta(days=7),
    )
    factories.fund(alice, 200_00)
    order = orders.place_order(by=alice, listing_id=item.pk)
    orders.deliver(order_id=order.pk, by=bob, note="login: lvl80 / pass: hunter2")
    orders.confirm(order_id=order.pk, by=alice)

    login(page, "bob")
    page.goto(f"{live_server.url}/wallet/")
    expect(page.get_by_test_id("held-USD")).to_have_text("100.00 USD")
    expect(page.get_by_test_id("available-USD")).to_have_text("0.00 USD")
    expect(page.get_by_test_id("holds")).to_contain_text(order.public_id)
    shot(page, "wallet-held")
    # Held money cannot be withdrawn.
    page.get_by_label("Sum to withdraw").fill("10.00")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("Only 0.00 USD is available to withdraw.")).to_be_visible()

    # The order page says what the warranty covers and until when.
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    expect(page.get_by_test_id("order-warranty")).to_contain_text("the seller recovers the account")

    deadlines.advance(seconds=7 * 86400)  # the warranty ends: the proceeds are released
    page.goto(f"{live_server.url}/wallet/")
    expect(page.get_by_test_id("balance-USD")).to_have_text("100.00 USD")
    expect(page.get_by_test_id("holds")).to_have_count(0)
    page.get_by_label("Sum to withdraw").fill("40.00")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_text("of 40.00 USD requested.")).to_be_visible()
    expect(page.get_by_test_id("withdrawal-status").first).to_contain_text("Paid")
    expect(page.get_by_test_id("balance-USD")).to_have_text("60.00 USD")
    shot(page, "wallet-withdrawn")


def test_a_buyer_cancels_an_undelivered_order(page, live_server, person, login, shot):
    alice, bob = person("alice"), person("bob")
    order = factories.paid_order(alice, bob, price=30_00)
    page.on("dialog", lambda dialog: dialog.accept())

    login(page, "alice")
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    expect(page.get_by_test_id("why-cancel")).to_contain_text("not delivered within 72 hours")
    expect(page.get_by_role("button", name="Cancel and refund")).to_be_disabled()

    deadlines.advance(seconds=72 * 3600)  # the delivery is overdue
    page.reload()
    shot(page, "order-cancel-overdue")
    page.get_by_role("button", name="Cancel and refund").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Cancelled")
    page.goto(f"{live_server.url}/wallet/")
    expect(page.get_by_test_id("balance-USD")).to_have_text(f"{(30_00 * 2 + 1000) / 100:.2f} USD")
