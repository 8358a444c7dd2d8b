"""The party case pages (order, dispute, ticket) as people use them: the layout holds once
evidence exists, the proposal form is honest about what it does, and the page follows the case
live, without a reload."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import expect

from core import clock
from core.models import TestClock
from disputes import actions as dispute_actions
from disputes.models import Dispute
from policy.active import configured_policy
from testsupport import factories
from tickets import actions as ticket_actions
from tickets.tests.samples import png
from web.tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS / "case-pages"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
NOTE = "I would like to keep a share: the box was opened."


@pytest.fixture
def parties(person):
    return person("alice"), person("bob")


def opened(buyer, seller, *, reason: str = "incorrect", kind: str = "full_refund", price: int = 40_00) -> Dispute:
    order = factories.delivered_order(buyer, seller, price=price)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    return factories.open_dispute(order, reason=reason, kind=kind)


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def widths(page) -> dict[str, float]:
    return page.evaluate(
        """() => ({
            main: document.querySelector('.cols > div').getBoundingClientRect().width,
            doc: document.documentElement.scrollWidth,
            view: window.innerWidth,
        })"""
    )


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_case_page_keeps_its_layout_once_evidence_exists(page, page_for, login, live_server, parties, person, size):
    alice, bob = parties
    dispute = opened(alice, bob)
    dispute_actions.add_evidence(dispute_id=dispute.pk, by=alice, upload=png("a-screenshot-with-a-long-name.png"))
    ticket = ticket_actions.open_ticket(
        by=alice, subject="About my key", category="other", body="See the file.", files=[png("proof-of-it.png")]
    )
    page.set_viewport_size(size)
    login(page, "alice")
    pages = {
        "dispute": f"/disputes/{dispute.public_id}/",
        "order": f"/orders/{dispute.order.public_id}/",
        "ticket": f"/tickets/{ticket.public_id}/",
    }
    for name, path in pages.items():
        page.goto(live_server.url + path)
        expect(page.get_by_text(re.compile(r"sha-?256", re.IGNORECASE)).first).to_be_attached()
        measured = widths(page)
        snap(page, f"{name}-with-evidence-{size['width']}")
        assert measured["doc"] <= measured["view"], f"{path} is wider than the screen: {measured}"
        if size is DESKTOP:
            assert measured["main"] >= 700, f"{path}: the main column shrank: {measured}"
    person("carol", staff=True)
    staff = page_for("carol")
    staff.set_viewport_size(size)
    staff.goto(f"{live_server.url}/staff/disputes/{dispute.public_id}/")
    expect(staff.get_by_text(re.compile(r"sha-?256", re.IGNORECASE)).first).to_be_attached()
    measured = widths(staff)
    snap(staff, f"staff-case-with-evidence-{size['width']}")
    assert measured["doc"] <= measured["view"], f"the staff case view is wider than the screen: {measured}"
    if size is DESKTOP:
        assert measured["main"] >= 700, f"the staff case view's main column shrank: {measured}"


def dialogs(page) -> list[str]:
    """Accepts every confirmation and keeps what it said."""
    said: list[str] = []

    def answer(dialog) -> None:
        said.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return said


def test_withdrawing_is_its_own_confirmed_button_that_states_the_money(page, login, live_server, parties):
    alice, bob = parties
    dispute = opened(alice, bob)
    login(page, "alice")
    page.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    kinds = page.get_by_label("Proposal", exact=True).locator("option").evaluate_all("os => os.map(o => o.value)")
    assert "withdraw" not in kinds, "a withdrawal is not a proposal to send"
    page.get_by_text("Withdraw the dispute…").click()
    warning = page.get_by_test_id("withdraw")
    expect(warning).to_contain_text("is paid to bob now")
    said = dialogs(page)
    snap(page, "dispute-withdraw-1366")
    warning.get_by_role("button", name="Withdraw and pay the seller").click()
    expect(page.get_by_test_id("dispute-status")).to_have_text("Resolved")
    expect(page.get_by_text("You withdrew the dispute.", exact=False)).to_be_visible()
    expect(page.get_by_text("Proposal sent", exact=False)).to_have_count(0)
    assert said and "USD is paid to bob now" in said[0], said


def test_the_preview_applies_the_servers_rules_and_a_refusal_keeps_the_input(page, login, live_server, parties):
    alice, bob = parties
    dispute = opened(alice, bob, reason="not_as_described", kind="return_and_refund")
    login(page, "bob")
    page.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    form = page.get_by_test_id("proposal-form")
    form.get_by_label("Proposal", exact=True).select_option("return_and_refund")
    # Only the fields of the chosen kind.
    expect(form.get_by_label("Refund amount")).to_be_hidden()
    keep = form.get_by_label("Share of the price the seller keeps (%)")
    expect(keep).to_be_visible()
    keep.fill("40")
    form.get_by_label("Note to the other side").fill(NOTE)
    # The preview says what the server says: on a not-as-described case the seller keeps nothing.
    expect(form.get_by_test_id("split-error")).to_contain_text("the seller keeps nothing")
    expect(form.get_by_test_id("split")).to_have_count(0)
    # Sent anyway, it is refused, and what was typed is still there.
    form.get_by_role("button", name="Send proposal").click()
    form = page.get_by_test_id("proposal-form")
    expect(form.get_by_test_id("proposal-refused")).to_contain_text("the seller keeps nothing")
    expect(form.get_by_label("Proposal", exact=True)).to_have_value("return_and_refund")
    expect(form.get_by_label("Share of the price the seller keeps (%)")).to_have_value("40")
    expect(form.get_by_label("Note to the other side")).to_have_value(
        "I would like to keep a share: the box was opened."
    )
    snap(page, "dispute-proposal-refused-1366")
    # A partial refund shows its amount field only.
    form.get_by_label("Proposal", exact=True).select_option("partial_refund")
    expect(form.get_by_label("Share of the price the seller keeps (%)")).to_be_hidden()
    form.get_by_label("Refund amount").fill("10.00")
    expect(form.get_by_test_id("split")).to_contain_text("10.00")


def test_the_case_page_follows_the_other_side_without_a_reload(page, page_for, login, live_server, parties):
    alice, bob = parties
    dispute = opened(alice, bob)
    login(page, "alice")
    page.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    expect(page.get_by_test_id("dispute-status")).to_have_text("Awaiting the seller")
    page.evaluate("window.__sameDocument = true")
    # What the buyer is typing survives the updates.
    page.get_by_label("Message").fill("Half typed…")

    seller = page_for("bob")
    seller.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    form = seller.get_by_test_id("proposal-form")
    form.get_by_label("Proposal", exact=True).select_option("partial_refund")
    form.get_by_label("Refund amount").fill("12.00")
    form.get_by_role("button", name="Send proposal").click()
    expect(seller.get_by_text("Proposal sent", exact=False)).to_be_visible()
    seller.get_by_label("Message").fill("Here is my offer.")
    seller.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_test_id("proposal-partial_refund")).to_contain_text("12.00", timeout=10_000)
    expect(page.get_by_test_id("dispute-status")).not_to_have_text("Awaiting the seller", timeout=10_000)
    expect(page.get_by_test_id("chat")).to_contain_text("Here is my offer.", timeout=10_000)
    expect(page.locator("#case-timeline")).to_contain_text("partial refund", ignore_case=True)
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"
    expect(page.get_by_label("Message")).to_have_value("Half typed…")
    snap(page, "dispute-live-1366")


def let_the_clock_run(*, from_: datetime) -> None:
    """The tests' clock is frozen; here it ticks on from `from_`, as real time does."""
    state = TestClock.current()
    state.frozen_at = None
    state.offset_us = int((from_ - clock.system_now()) / timedelta(microseconds=1))
    state.save()


def test_a_countdown_that_reaches_zero_refreshes_the_verdicts(page, login, live_server, parties):
    alice, bob = parties
    order = factories.delivered_order(alice, bob, price=20_00)
    login(page, "alice")
    # Eight seconds before a dispute may be opened; the clock runs on from there, no one acts.
    let_the_clock_run(from_=order.placed_at + configured_policy().min_order_age - timedelta(seconds=8))
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    expect(page.get_by_role("button", name="Open Dispute")).to_be_disabled()
    page.evaluate("window.__sameDocument = true")
    expect(page.get_by_role("link", name="Open Dispute")).to_be_visible(timeout=20_000)
    assert page.evaluate("window.__sameDocument") is True


def test_order_and_ticket_pages_follow_their_case(page, page_for, login, live_server, parties, person):
    alice, bob = parties
    order = factories.paid_order(alice, bob, price=20_00)
    login(page, "alice")
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    expect(page.get_by_test_id("order-status")).to_have_text("Paid")
    page.evaluate("window.__sameDocument = true")
    seller = page_for("bob")
    seller.goto(f"{live_server.url}/orders/{order.public_id}/")
    seller.get_by_label("Delivery note").fill("KEY-LIVE-42")
    seller.get_by_role("button", name="Mark as delivered").click()
    expect(page.get_by_test_id("order-status")).to_have_text("Delivered", timeout=10_000)
    expect(page.get_by_role("button", name="Confirm delivery")).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True

    person("carol", staff=True)
    ticket = ticket_actions.open_ticket(by=alice, subject="Where is my key?", category="other", body="Hello")
    page.goto(f"{live_server.url}/tickets/{ticket.public_id}/")
    page.evaluate("window.__sameDocument = true")
    staff = page_for("carol")
    staff.goto(f"{live_server.url}/tickets/{ticket.public_id}/")
    staff.get_by_label("Reply or internal note").fill("It is in your order's delivery note.")
    staff.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("thread")).to_contain_text("It is in your order's delivery note.", timeout=10_000)
    expect(page.get_by_test_id("ticket-status")).to_have_text("Answered")
    assert page.evaluate("window.__sameDocument") is True
