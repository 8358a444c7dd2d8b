from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ops import deadlines
from policy.active import configured_policy
from policy.rules import humane
from testsupport import factories
from tickets import actions
from tickets.models import Ticket
from tickets.tests.samples import pdf, png

pytestmark = pytest.mark.browser

TARGET = configured_policy().ticket_first_response_target


def open_ticket(owner, subject, category="other", body="A question."):
    return actions.open_ticket(by=owner, subject=subject, category=category, body=body)


def test_alice_opens_a_ticket_and_sees_it_listed(page, live_server, person, login, shot):
    alice, bob, carol = person("alice"), person("bob"), person("carol", staff=True)
    order = factories.paid_order(alice, bob)
    done = open_ticket(alice, "Change my e-mail address", "account")
    actions.resolve(ticket_id=done.pk, by=alice)
    answered = open_ticket(alice, "Deposit not showing", "payment")
    actions.reply(ticket_id=answered.pk, by=carol, body="It is there now.")
    login(page, "alice")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Tickets").click()
    page.get_by_role("link", name="New ticket").click()
    expect(page.get_by_test_id("answer-within")).to_contain_text(f"We usually answer within {humane(TARGET)}")
    page.get_by_label("Subject").fill("The key says 'already used'")
    page.get_by_label("Category").select_option("order")
    page.get_by_label("Order (optional)").select_option(order.public_id)
    page.get_by_label("Message").fill("I bought it an hour ago and it does not activate.")
    shot_png = png("activation-error.png")
    page.get_by_label("Attachments (optional)").set_input_files(
        {"name": shot_png.name, "mimeType": "image/png", "buffer": shot_png.read()}
    )
    shot(page, "ticket-new")
    page.get_by_role("button", name="Open ticket").click()

    expect(page.get_by_role("heading", name="The key says 'already used'")).to_be_visible()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Open")
    expect(page.get_by_test_id("first-response")).to_contain_text(f"within {humane(TARGET)}")
    expect(page.get_by_role("link", name="activation-error.png")).to_be_visible()

    page.get_by_role("link", name="Tickets", exact=True).first.click()
    statuses = page.get_by_test_id("ticket-status")
    expect(statuses).to_have_text(["Open", "Answered", "Resolved"])
    shot(page, "tickets-page")


def test_the_thread_hides_internal_notes_and_a_reply_reopens(page, live_server, person, login, shot):
    alice, carol = person("alice"), person("carol", staff=True)
    ticket = open_ticket(alice, "Withdrawal stuck", "payment", "My withdrawal has been pending since Monday.")
    actions.add_internal_note(ticket_id=ticket.pk, by=carol, body="Provider outage on Monday; see incident 42.")
    actions.reply(
        ticket_id=ticket.pk,
        by=carol,
        body="Sorry about that: it went out this morning. The provider's receipt is attached.",
        files=[pdf("withdrawal-receipt.pdf")],
    )
    login(page, "alice")

    page.goto(f"{live_server.url}/tickets/{ticket.public_id}/")
    expect(page.get_by_test_id("ticket-status")).to_have_text("Answered")
    expect(page.get_by_test_id("deadline-autoclose")).to_contain_text("resolved by itself")
    thread = page.get_by_test_id("thread")
    expect(thread).to_contain_text("it went out this morning")
    expect(thread.get_by_role("link", name="withdrawal-receipt.pdf")).to_be_visible()
    expect(thread).not_to_contain_text("incident 42")
    expect(page.get_by_role("button", name="Add internal note")).to_have_count(0)
    shot(page, "ticket-detail")

    page.get_by_label("Your reply").fill("Still not in my bank account.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Open")
    page.get_by_role("button", name="Mark resolved").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Resolved")
    expect(page.get_by_role("button", name="Mark resolved")).to_have_count(0)


def test_staff_queue_shows_breaches_and_staff_take_and_note(page, live_server, person, login, shot):
    alice, dave = person("alice"), person("dave")
    person("carol", staff=True)
    late = open_ticket(alice, "Account locked after password reset", "account")
    deadlines.advance(seconds=int(TARGET.total_seconds()) - 1800)
    open_ticket(dave, "How do I change the payout currency?", "payment")
    deadlines.advance(seconds=1801)
    login(page, "carol")

    page.goto(f"{live_server.url}/staff/tickets/")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Account locked")
    expect(rows.first.get_by_test_id("breach")).to_have_text("Overdue")
    expect(rows.nth(1).get_by_test_id("breach")).to_have_count(0)
    rows.first.get_by_role("button", name="Take").click()
    expect(rows.first).to_contain_text("carol")
    shot(page, "staff-ticket-queue")

    rows.first.get_by_role("link", name="View").click()
    expect(page.get_by_test_id("breach")).to_be_visible()
    page.get_by_label("Reply or internal note").fill("Checked the reset logs; looks legitimate.")
    page.get_by_role("button", name="Add internal note").click()
    expect(page.get_by_test_id("thread")).to_contain_text("Internal note")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "staff-ticket-detail")
    page.get_by_label("Reply or internal note").fill("Unlocked. Please log in again.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("Answered")
    expect(page.get_by_test_id("breach")).to_have_count(0)
    late.refresh_from_db()
    assert late.status == Ticket.Status.ANSWERED and late.assignee.username == "carol"


def test_staff_edit_the_contacts_page_people_read(page, live_server, person, login, shot):
    person("carol", staff=True)
    login(page, "carol")
    page.goto(f"{live_server.url}/contacts/")
    page.get_by_role("link", name="Edit contacts").click()
    page.get_by_label("Channels").fill(
        "E-mail: support@parley.example\nTelegram: @parley_support\nHelp centre: https://help.parley.example"
    )
    page.get_by_label("Opening hours").fill("Daily, around the clock")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_test_id("opening-hours")).to_have_text("Daily, around the clock")
    expect(page.get_by_role("link", name="support@parley.example")).to_have_attribute(
        "href", "mailto:support@parley.example"
    )
    expect(page.get_by_text(re.compile(f"Inquiries are usually answered within {humane(TARGET)}"))).to_be_visible()
    expect(page.get_by_test_id("answer-within")).to_have_text(humane(TARGET))
    expect(page.get_by_role("link", name="Open a ticket")).to_have_attribute("href", "/tickets/new/")
    shot(page, "contacts-page")
