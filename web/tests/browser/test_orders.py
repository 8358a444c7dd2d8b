"""A whole deal in the browser: the buyer deposits, browses, buys and chats; the seller
delivers with a note; the buyer sees the countdown to auto-completion and confirms; the seller
sees the payout in the wallet. Screenshots: orders-page, order-detail, wallet."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from orders.models import Order
from testsupport import factories

pytestmark = pytest.mark.browser

TITLE = "Steam key: Hollow Orbit (EU)"


@pytest.fixture
def second_page(browser: Any, browser_context_args: dict[str, Any]) -> Any:
    """A page in a browser context of its own (its own cookies): a second person at the same
    time. Fails the test on JavaScript errors, as the first page does."""
    context = browser.new_context(**browser_context_args)
    other = context.new_page()
    errors: list[str] = []
    other.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    other.on("pageerror", lambda exc: errors.append(str(exc)))
    yield other
    context.close()
    assert not errors, f"the second browser reported errors: {errors}"


def test_a_deal_from_deposit_to_payout(page, second_page, live_server, person, login, shot):
    person("alice")
    bob = person("bob")
    factories.listing(bob, price=19_99, title=TITLE)
    for p in (page, second_page):
        p.on("dialog", lambda dialog: dialog.accept())  # "Pay 20.99 USD…?", "Have you received…?"
    status = page.get_by_test_id("order-status")

    # Alice adds money on the Wallet page.
    login(page, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Wallet").click()
    page.get_by_label("Amount").fill("50.00")
    page.get_by_role("button", name="Deposit").click()
    expect(page.get_by_text("50.00 USD added to your wallet.")).to_be_visible()
    expect(page.get_by_test_id("balance-USD")).to_have_text("50.00 USD")

    # She browses the listings and buys; 19.99 plus a 1.00 fee goes into escrow.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Listings").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("button", name="Buy for 20.99 USD").click()
    expect(page.get_by_text("Paid. 20.99 USD is held in escrow until you confirm delivery.")).to_be_visible()
    expect(status).to_have_text("Paid")
    order_url = page.url

    # She asks in the order chat.
    page.get_by_label("Message").fill("Hi! Could you send the key today?")
    page.get_by_role("button", name="Send").click()
    chat = page.get_by_test_id("chat")
    expect(chat).to_contain_text("Hi! Could you send the key today?")
    expect(chat).to_contain_text("alice · buyer")

    # Bob, in his own browser, reads the chat and delivers with a note.
    login(second_page, "bob")
    second_page.goto(order_url)
    expect(second_page.get_by_test_id("chat")).to_contain_text("Hi! Could you send the key today?")
    second_page.get_by_label("Delivery note").fill("KEY-7H3K-2M9Q")
    second_page.get_by_role("button", name="Mark as delivered").click()
    expect(second_page.get_by_text("Marked as delivered. The buyer has been told.")).to_be_visible()
    second_page.get_by_label("Message").fill("Sent! The key is in the delivery note.")
    second_page.get_by_role("button", name="Send").click()

    # Alice sees the delivery, the note, Bob's answer and the countdown to auto-completion.
    page.reload()
    expect(status).to_have_text("Delivered")
    expect(page.get_by_test_id("delivery-note")).to_have_text("KEY-7H3K-2M9Q")
    expect(chat).to_contain_text("Sent! The key is in the delivery note.")
    deadline = page.get_by_test_id("deadline-auto_complete")
    expect(deadline).to_contain_text("Waiting for you")
    expect(deadline).to_contain_text("the order completes and bob is paid 19.99 USD")
    expect(deadline.locator(".countdown")).to_have_text(re.compile(r"^in (2d 23h 5\dm|3d 0h 00m)$"))
    shot(page, "order-detail")

    page.get_by_role("button", name="Confirm delivery").click()
    expect(page.get_by_text("Thank you. The order is complete and the seller has been paid.")).to_be_visible()
    expect(status).to_have_text("Completed")
    expect(page.get_by_role("button", name="Confirm delivery")).to_be_disabled()
    expect(page.get_by_test_id("why-confirm")).to_have_text("Not possible while the order is completed.")
    assert Order.objects.get().status == Order.Status.COMPLETED

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    row = page.get_by_role("row", name=re.compile(re.escape(TITLE)))
    expect(row).to_contain_text("Completed")
    expect(row).to_contain_text("20.99 USD")
    shot(page, "orders-page")

    # Bob's wallet shows the payout.
    second_page.get_by_role("navigation", name="Main").get_by_role("link", name="Wallet").click()
    expect(second_page.get_by_test_id("balance-USD")).to_have_text("19.99 USD")
    expect(second_page.get_by_role("row", name=re.compile("Order Settled"))).to_contain_text("19.99 USD")
    shot(second_page, "wallet")
