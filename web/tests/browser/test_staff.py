"""The administration at work: the inbox, taking a case, asking for information, deciding."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from core import clock
from disputes.models import Dispute, InfoRequest
from ledger import queries as ledger
from ops import deadlines
from testsupport import factories
from tickets import actions as tickets

pytestmark = pytest.mark.browser


@pytest.fixture
def cast(person):
    return person("alice"), person("bob"), person("carol", staff=True)


def escalated_dispute(alice, bob, *, price=100_00, title="Game key"):
    order = factories.delivered_order(alice, bob, price=price)
    deadlines.advance(seconds=15 * 60)
    dispute = factories.open_dispute(order)
    deadlines.advance(seconds=48 * 3600)  # the seller stays silent: escalated
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ESCALATED
    return dispute


def test_carol_takes_a_case_asks_the_buyer_and_the_silent_claim_is_forfeited(page_for, live_server, cast, shot):
    alice, bob, _ = cast
    dispute = escalated_dispute(alice, bob)
    ticket = tickets.open_ticket(by=bob, subject="Payout missing", category="payment", body="Where is my money?")
    deadlines.advance(seconds=5 * 3600)  # past the 4-hour first-response target
    seller_before = ledger.wallet_balance(bob, "USD").amount
    carol = page_for("carol")
    carol.get_by_role("navigation", name="Main").get_by_role("link", name="Staff console").click()
    inbox = carol.get_by_test_id("inbox")
    expect(inbox).to_contain_text(dispute.public_id)
    expect(inbox).to_contain_text(ticket.public_id)
    expect(inbox.get_by_test_id("breach")).to_have_count(1)
    shot(carol, "staff-inbox")
    # The ticket's breached target comes first; the dispute is due by its decision target.
    carol.locator(f'[data-ref="{dispute.public_id}"]').get_by_role("link", name="Open").click()
    carol.get_by_role("button", name="Take case").click()
    expect(carol.get_by_text("You have this case.")).to_be_visible()
    carol.get_by_label("Ask").select_option("buyer")
    carol.get_by_label("Question").fill("Please upload a screenshot of the region error.")
    carol.get_by_role("button", name="Send question").click()
    expect(carol.get_by_text("Question sent.")).to_be_visible()

    buyer = page_for("alice")
    buyer.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
    expect(buyer.get_by_test_id("info-request")).to_contain_text("screenshot of the region error")
    shot(buyer, "dispute-info-request")

    # The answer is due; the worker has not come round yet: the page says so instead of a form.
    clock.set_test_time(InfoRequest.objects.get(dispute=dispute).due_at + timedelta(seconds=30))
    buyer.reload()
    expect(buyer.get_by_test_id("why-answer_info")).to_contain_text("Reload in a moment")
    expect(buyer.get_by_role("button", name="Send answer")).to_have_count(0)
    shot(buyer, "dispute-info-request-deadline-passed")

    deadlines.advance(seconds=7 * 86400)
    dispute.refresh_from_db()
    assert dispute.decided_by == "forfeit"
    assert InfoRequest.objects.get(dispute=dispute).status == InfoRequest.Status.FORFEITED
    assert ledger.wallet_balance(bob, "USD").amount - seller_before == 100_00
    buyer.reload()
    expect(buyer.get_by_test_id("resolution")).to_contain_text("forfeit")


def test_carol_previews_and_decides_a_30_percent_partial_refund(page_for, live_server, cast, shot):
    alice, bob, _ = cast
    dispute = escalated_dispute(alice, bob, price=80_00)
    alice_before = ledger.wallet_balance(alice, "USD").amount
    carol = page_for("carol")
    carol.goto(f"{live_server.url}/staff/disputes/{dispute.public_id}/")
    expect(carol.get_by_test_id("applicable-rules")).to_contain_text("a full or a partial refund may be decided")
    carol.get_by_label("Outcome").select_option("partial_refund")
    carol.get_by_label("Refund amount").fill("24.00")  # 30 % of 80.00
    carol.get_by_label("Decision, explained to both parties").fill("The key worked for 70 % of the content.")
    preview = carol.get_by_test_id("decision-preview")
    expect(preview).to_contain_text("24.00 USD")  # refund
    expect(preview).to_contain_text("1.20 USD")  # 30 % of the 4.00 fee
    expect(preview).to_contain_text("56.00 USD")  # seller payout
    expect(preview).to_contain_text("2.80 USD")  # platform fee
    shot(carol, "staff-case-decision-preview")
    carol.on("dialog", lambda dialog: dialog.accept())
    carol.get_by_role("button", name="Record decision").click()
    expect(carol.get_by_text("Decision recorded")).to_be_visible()
    # Under standard's appeal window nothing moves yet; both parties accept on their pages.
    assert ledger.wallet_balance(alice, "USD").amount == alice_before
    for name in ("alice", "bob"):
        party = page_for(name)
        party.goto(f"{live_server.url}/disputes/{dispute.public_id}/")
        expect(party.get_by_test_id("reasons")).to_contain_text("fee_in_proportion")
        party.on("dialog", lambda dialog: dialog.accept())
        party.get_by_role("button", name="Accept the decision").click()
        expect(party.get_by_text("You accepted the decision.")).to_be_visible()
    assert ledger.wallet_balance(alice, "USD").amount - alice_before == 24_00 + 1_20
    assert ledger.wallet_balance(bob, "USD").amount == 56_00
    dispute.refresh_from_db()
    assert dispute.decided_by_user.username == "carol"


def test_people_who_are_not_staff_cannot_open_staff_pages(page_for, live_server, cast):
    alice, bob, _ = cast
    dispute = escalated_dispute(alice, bob)
    buyer = page_for("alice")
    for path in ("/staff/", f"/staff/disputes/{dispute.public_id}/"):
        response = buyer.goto(f"{live_server.url}{path}")
        assert response.status == 403


def test_carol_registers_a_webhook_copies_its_secret_and_sees_its_deliveries(page_for, live_server, cast, shot):
    alice, bob, carol = cast
    staff = page_for("carol")
    staff.get_by_role("link", name="Staff console").click()
    staff.get_by_role("link", name="webhooks").click()
    staff.get_by_label("URL").fill("http://127.0.0.1:9/parley-events")
    staff.get_by_label("Description").fill("Marketplace backend")
    staff.get_by_label("Events").fill("order.\ndispute.")
    staff.get_by_role("button", name="Register").click()
    secret = staff.get_by_test_id("new-secret")
    expect(secret).to_contain_text("shown now and never again")
    expect(secret.locator("code")).to_contain_text("whsec_")
    shot(staff, "staff-webhook-registered")

    factories.paid_order(alice, bob)  # an event for the endpoint
    staff.goto(f"{live_server.url}/staff/webhooks/")
    expect(staff.get_by_test_id("endpoints")).to_contain_text("1 pending")
    expect(staff.get_by_test_id("new-secret")).to_have_count(0)
    shot(staff, "staff-webhooks")
    staff.get_by_role("link", name="Deliveries").click()
    expect(staff.get_by_test_id("deliveries")).to_contain_text("order.placed")
    staff.get_by_role("button", name="Disable this endpoint").click()
    expect(staff.get_by_text("The endpoint is disabled")).to_be_visible()
    expect(staff.get_by_test_id("deliveries")).to_contain_text("The endpoint was disabled.")
    shot(staff, "staff-webhook-deliveries")
