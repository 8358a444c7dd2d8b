"""The seeds' own click paths: the disputes page's "Create New Dispute", the order's "Details"
→ "Open Dispute", and the seller's "Proceed to Return"."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from disputes.models import Dispute, Evidence
from ledger import queries as ledger
from ops import deadlines
from orders.models import Order
from testsupport import factories

pytestmark = pytest.mark.browser


@pytest.fixture
def parties(person):
    return person("alice"), person("bob")


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, format="PNG")
    return out.getvalue()


def open_from_order_details(buyer, *, reason: str, wants: str, why: str) -> None:
    """The seeds' second path: Orders → Details → Open Dispute → the form → Create Dispute."""
    buyer.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    buyer.get_by_role("link", name="Details").click()
    buyer.get_by_role("link", name="Open Dispute").click()
    buyer.get_by_label("Reason for the dispute").select_option(reason)
    buyer.get_by_label("Description").fill(why)
    buyer.get_by_label("What would resolve it for you?").select_option(wants)
    buyer.get_by_label("I agree to the dispute terms", exact=False).check()
    buyer.get_by_role("button", name="Create Dispute").click()
    expect(buyer.get_by_test_id("dispute-status")).to_have_text("Awaiting the seller")


def test_create_new_dispute_from_the_disputes_page(page, live_server, parties, login, shot, tmp_path):
    alice, bob = parties
    order = factories.delivered_order(alice, bob, price=20_00)
    login(page, "alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Disputes").click()
    page.get_by_role("link", name="Create New Dispute").click()
    # Too early: the order is listed with the reason and when it becomes possible.
    expect(page.get_by_text("Disputes can be opened 15 minutes after ordering.")).to_be_visible()
    deadlines.advance(seconds=15 * 60)
    page.reload()
    page.get_by_role("link", name="Choose").click()

    page.get_by_label("Reason for the dispute").select_option("incorrect")
    page.get_by_label("Description").fill("The key is for the US region, I paid for EU.")
    page.get_by_label("What would resolve it for you?").select_option("full_refund")
    image = tmp_path / "screenshot.png"
    image.write_bytes(png_bytes())
    page.get_by_label("Images or documents (optional)").set_input_files(str(image))
    page.get_by_label("I agree to the dispute terms", exact=False).check()
    shot(page, "dispute-create-form")
    page.get_by_role("button", name="Create Dispute").click()

    expect(page.get_by_test_id("dispute-status")).to_have_text("Awaiting the seller")
    dispute = Dispute.objects.get(order=order)
    assert dispute.reason == "incorrect"
    assert Evidence.objects.filter(dispute=dispute).count() == 1
    expect(page.get_by_text("sha256", exact=False)).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Disputes").click()
    expect(page.get_by_role("link", name="Open Disputes")).to_be_visible()
    expect(page.get_by_text(dispute.public_id)).to_be_visible()
    shot(page, "disputes-page")


def test_open_dispute_from_order_details_then_seller_proceeds_to_return(page, page_for, live_server, parties, shot):
    alice, bob = parties
    order = factories.delivered_order(alice, bob, price=40_00)
    deadlines.advance(seconds=15 * 60)
    buyer = page_for("alice")
    open_from_order_details(buyer, reason="defective", wants="return_and_refund", why="The skin crashes the game.")

    seller = page_for("bob")
    # Difmark's own steps: the Disputes page, the dispute in the "Open Disputes" tab.
    seller.get_by_role("navigation", name="Main").get_by_role("link", name="Disputes").click()
    seller.get_by_role("navigation", name="Disputes").get_by_role("link", name="Open Disputes").click()
    seller.get_by_role("link", name="Details").click()
    expect(seller.get_by_test_id("deadline-seller_response")).to_contain_text("administration")
    shot(seller, "dispute-seller-view")
    seller.on("dialog", lambda dialog: dialog.accept())
    seller.get_by_role("button", name="Proceed to Return").click()
    expect(seller.get_by_test_id("dispute-status")).to_have_text("Awaiting return")

    buyer.reload()
    buyer.get_by_role("button", name="I returned the item").click()
    seller.reload()
    seller.get_by_role("button", name="The returned item arrived").click()
    expect(seller.get_by_test_id("dispute-status")).to_have_text("Resolved")
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert ledger.wallet_balance(alice, "USD").amount == 40_00 * 2 + 1000  # everything back
    shot(seller, "dispute-resolved")


def test_proposal_preview_shows_the_split_before_sending(page_for, live_server, parties, shot):
    alice, bob = parties
    order = factories.delivered_order(alice, bob, price=100_00)
    deadlines.advance(seconds=15 * 60)
    dispute = factories.open_dispute(order)
    seller = page_for("bob")
    seller.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    seller.get_by_label("Proposal", exact=True).select_option("partial_refund")
    seller.get_by_label("Refund amount").fill("30")
    preview = seller.locator("#proposal-preview")
    expect(preview).to_contain_text("30.00 USD")
    expect(preview).to_contain_text("1.50 USD")
    expect(preview).to_contain_text("70.00 USD")
    seller.get_by_role("button", name="Send proposal").click()
    expect(seller.get_by_test_id("proposal-partial_refund")).to_contain_text("70.00 USD")
    shot(seller, "dispute-detail")
    buyer = page_for("alice")
    buyer.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    buyer.on("dialog", lambda dialog: dialog.accept())
    buyer.get_by_test_id("proposal-partial_refund").get_by_role("button", name="Accept").click()
    expect(buyer.get_by_test_id("resolution")).to_contain_text("Partial refund")
    assert ledger.wallet_balance(bob, "USD").amount == 70_00


@pytest.mark.parametrize("preset", ["difmark"], indirect=True)
def test_under_difmark_the_buyer_transfers_to_involvement_of_the_administration(page_for, parties, preset, shot):
    alice, bob = parties
    order = factories.delivered_order(alice, bob, price=25_00)  # difmark: a dispute may open at once
    buyer = page_for("alice")
    open_from_order_details(buyer, reason="incomplete", wants="full_delivery", why="Only 3 of the 5 accounts came.")

    seller = page_for("bob")
    seller.get_by_role("navigation", name="Main").get_by_role("link", name="Disputes").click()
    seller.get_by_role("link", name="Details").click()
    seller.get_by_label("Message").fill("The other two are on their way, give me a day.")
    seller.get_by_role("button", name="Send", exact=True).click()
    expect(seller.get_by_test_id("dispute-status")).to_have_text("Negotiating")
    transfer = "Transfer to “Involvement of the administration”"
    # Difmark's 72 hours end both ways at once: the buyer may transfer, and the case goes to the
    # administration by itself if nobody agreed. A button that opens the moment the case moves by
    # itself could never be pressed, so neither side is shown one; the page says what happens.
    expect(seller.get_by_role("button", name=transfer)).to_have_count(0)
    expect(seller.get_by_test_id("escalates-by-itself")).to_contain_text("by itself")

    buyer.reload()
    expect(buyer.get_by_role("button", name=transfer)).to_have_count(0)
    expect(buyer.get_by_test_id("escalates-by-itself")).to_contain_text("Involvement of the administration")
    expect(buyer.get_by_test_id("deadline-auto_escalate")).to_contain_text("Involvement of the administration")
    shot(buyer, "dispute-difmark-before-transfer")
    dispute = Dispute.objects.get(order=order)
    deadlines.advance(seconds=72 * 3600)
    buyer.reload()
    expect(buyer.get_by_test_id("dispute-status")).to_have_text("Involvement of the administration")
    expect(buyer.get_by_test_id("why-escalate")).to_have_text("The administration is already involved.")

    buyer.get_by_role("navigation", name="Main").get_by_role("link", name="Disputes").click()
    buyer.get_by_role("navigation", name="Disputes").get_by_role(
        "link", name="Involvement of the administration"
    ).click()
    expect(buyer.get_by_text(dispute.public_id)).to_be_visible()
    shot(buyer, "disputes-difmark-involvement")
