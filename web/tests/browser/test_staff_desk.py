"""A mediator's day in the browser: the decision preview before the note is typed, the dense
inbox with its search, bulk take, keyboard shortcuts and "next case"; screenshots at a laptop's
and a phone's size."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from disputes.models import Dispute
from ops import deadlines
from testsupport import factories
from tickets import actions as tickets
from web.tests.browser.conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

SHOTS = SCREENSHOTS / "desk"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def cast(person):
    return person("alice"), person("bob"), person("carol", staff=True), person("dave", staff=True)


def escalated(alice, bob, *, price=100_00, title="Game key") -> Dispute:
    order = factories.delivered_order(alice, bob, price=price, title=title)
    deadlines.advance(seconds=15 * 60)
    dispute = factories.open_dispute(order)
    deadlines.advance(seconds=48 * 3600)  # the seller stays silent: escalated
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ESCALATED
    return dispute


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def test_the_preview_shows_the_split_before_the_note_is_typed(page_for, live_server, cast):
    alice, bob, _, _ = cast
    dispute = escalated(alice, bob, price=80_00)
    carol = page_for("carol")
    carol.goto(f"{live_server.url}/staff/disputes/{dispute.public_id}/")
    preview = carol.get_by_test_id("decision-preview")
    # Full refund is chosen from the start: its split shows without typing anything.
    expect(preview).not_to_contain_text("Choose an outcome")
    expect(preview).to_contain_text("80.00")
    carol.get_by_label("Outcome").select_option("partial_refund")
    carol.get_by_label("Refund amount").fill("24.00")
    expect(preview).to_contain_text("24.00")
    assert carol.get_by_label("Decision, explained to both parties").input_value() == ""
    snap(carol, "staff-case")


def test_a_mediators_day_in_the_inbox(page_for, live_server, cast):
    alice, bob, carol, dave = cast
    cases = [escalated(alice, bob, price=(n + 1) * 10_00, title=f"Item {n}") for n in range(3)]
    ticket = tickets.open_ticket(by=bob, subject="Payout missing", category="payment", body="Where is my money?")
    page = page_for("carol")
    page.goto(f"{live_server.url}/staff/")
    inbox = page.get_by_test_id("inbox")
    rows = inbox.get_by_test_id("inbox-row")
    expect(rows).to_have_count(4)
    first = page.locator(f'[data-ref="{cases[0].public_id}"]')
    expect(first.get_by_test_id("amount")).to_contain_text("10.00")
    expect(first.get_by_test_id("why")).to_contain_text("escalated by a missed deadline")
    snap(page, "staff-inbox")

    # Search by title, then by the ticket's owner.
    page.get_by_test_id("inbox-search").fill("Item 2")
    page.get_by_test_id("inbox-search").press("Enter")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ref", cases[2].public_id)
    page.goto(f"{live_server.url}/staff/?q=bob")
    expect(page.locator(f'[data-ref="{ticket.public_id}"]')).to_be_visible()

    # Bulk take: tick two, take them.
    page.goto(f"{live_server.url}/staff/")
    page.get_by_label(f"Tick {cases[0].public_id}").check()
    page.get_by_label(f"Tick {cases[1].public_id}").check()
    page.get_by_role("button", name="Take the ticked cases").click()
    expect(page.get_by_text("You took 2 cases.")).to_be_visible()
    assert {d.assignee.username for d in Dispute.objects.filter(pk__in=[cases[0].pk, cases[1].pk])} == {"carol"}
    expect(page.locator(f'[data-ref="{cases[0].public_id}"]')).to_contain_text("carol")

    # Keyboard: j moves down, t takes the current row, k moves up, o opens it, n goes on.
    links = rows.evaluate_all("rs => rs.map(r => r.querySelector('.desk-open').getAttribute('href'))")
    refs = rows.evaluate_all("rs => rs.map(r => r.dataset.ref)")
    page.locator("h1").click()
    for _ in range(3):
        page.keyboard.press("j")
    expect(page.locator(".desk-row.current")).to_have_attribute("data-ref", refs[2])
    page.keyboard.press("t")
    expect(page.get_by_text("You took 1 case.")).to_be_visible()
    expect(page.locator(f'[data-ref="{refs[2]}"]')).to_contain_text("carol")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator(".desk-row.current")).to_have_attribute("data-ref", refs[0])
    page.keyboard.press("o")
    page.wait_for_url(f"**{links[0]}")
    if links[0].startswith("/staff/disputes/"):
        page.keyboard.press("n")  # the next case, from the case page
        page.wait_for_url(f"**{links[1]}")


def test_next_case_after_a_decision(page_for, live_server, cast):
    alice, bob, _, _ = cast
    first, second = escalated(alice, bob, title="First"), escalated(alice, bob, title="Second")
    page = page_for("carol")
    page.goto(f"{live_server.url}/staff/disputes/{first.public_id}/")
    page.get_by_label("Decision, explained to both parties").fill("The key was for the wrong region.")
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("decide-next").click()
    page.wait_for_url(f"**/staff/disputes/{second.public_id}/")
    expect(page.get_by_text("Decision recorded")).to_be_visible()
    first.refresh_from_db()
    assert first.status in (Dispute.Status.DECIDED, Dispute.Status.RESOLVED)


def test_a_canned_reply_is_inserted_into_the_message(page_for, live_server, cast):
    from desk import actions as desk

    alice, bob, carol, _ = cast
    dispute = escalated(alice, bob, title="Rare skin")
    desk.save_canned_reply(by=carol, title="Ask for patience", body="Dear {buyer}, we look at {case_id} today.")
    page = page_for("carol")
    page.goto(f"{live_server.url}/staff/disputes/{dispute.public_id}/")
    page.get_by_label("Canned reply").select_option(label="Ask for patience")
    expect(page.locator("#staff-body")).to_have_value(f"Dear alice, we look at {dispute.public_id} today.")
    snap(page, "staff-case-canned")
    page.goto(f"{live_server.url}/staff/replies/")
    snap(page, "staff-canned")
