"""The decision on the pages (PRODUCT.md §15): the staff form's findings and its warning on an
undelivered order, the statement of reasons both parties see, the buttons to accept or appeal a
decision while its window is open, the appeal as the second mediator sees it, and the refusal the
first decider sees."""

from __future__ import annotations

import re

import pytest

from disputes import appeals, mediation
from disputes.models import Dispute
from disputes.tests.support import bring_to_administration
from testsupport import factories


@pytest.fixture
def people(make_user):
    return make_user("buyer"), make_user("seller"), make_user("mediator", staff=True), make_user("second", staff=True)


class Jumps:
    def __init__(self, tclock) -> None:
        self.tclock = tclock

    def advance(self, seconds: int) -> None:
        self.tclock.advance(seconds=seconds)


def escalated(people, tclock, *, delivered: bool = True) -> Dispute:
    buyer, seller, _, _ = people
    make = factories.delivered_order if delivered else factories.paid_order
    order = make(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    return bring_to_administration(
        factories.open_dispute(order, reason="defective" if delivered else "not_received"), Jumps(tclock)
    )


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_staff_form_offers_findings_and_warns_on_an_undelivered_order(client, people, tclock, preset):
    _, _, staff, _ = people
    delivered, undelivered = escalated(people, tclock), escalated(people, tclock, delivered=False)
    html = page(client, staff, f"/staff/disputes/{undelivered.public_id}/")
    assert 'data-testid="undelivered-warning"' in html
    for value in ("defective", "not_as_described", "not_delivered", "delivered"):
        assert f'name="findings" value="{value}"' in html
    assert "Either party may appeal it within 72 hours" in html
    assert 'data-testid="undelivered-warning"' not in page(client, staff, f"/staff/disputes/{delivered.public_id}/")

    preview = client.get(f"/staff/disputes/{undelivered.public_id}/preview/", {"outcome": "release_to_seller"})
    assert "Nothing was delivered" in preview.content.decode()
    found = client.get(
        f"/staff/disputes/{undelivered.public_id}/preview/", {"outcome": "release_to_seller", "findings": "delivered"}
    )
    assert "100.00" in found.content.decode()


def test_a_decision_shows_its_reasons_and_the_ways_to_accept_or_appeal(client, people, tclock, preset):
    buyer, seller, staff, second = people
    dispute = escalated(people, tclock)
    waiting = page(client, buyer, f"/disputes/{dispute.public_id}/")
    assert 'data-testid="deadline-decision_target"' in waiting and "The administration aims to decide by" in waiting
    client.force_login(staff)
    client.post(
        f"/staff/disputes/{dispute.public_id}/decide/",
        {"outcome": "full_refund", "findings": ["defective"], "note": "It never started."},
    )
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.DECIDED and dispute.findings == ["defective"]

    for party in (buyer, seller):
        html = page(client, party, f"/disputes/{dispute.public_id}/")
        assert 'data-testid="reasons"' in html and "fee_in_proportion" in html and "Defective" in html
        assert "Accept the decision" in html and "Appeal the decision" in html
        assert "deadline-decision_target" not in html  # the decision is made
        assert "Either side may appeal the decision until then" in html

    client.force_login(seller)
    client.post(f"/disputes/{dispute.public_id}/steps/appeal/", {"note": "The key works, see the video."})
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.APPEALED
    html = page(client, buyer, f"/disputes/{dispute.public_id}/")
    assert "Appeal the decision" not in html and "The seller appealed" in html

    first = page(client, staff, f"/staff/disputes/{dispute.public_id}/")
    assert "another staff member than the first" in first and "Record decision" not in first
    other = page(client, second, f"/staff/disputes/{dispute.public_id}/")
    assert 'data-testid="appeal"' in other and "The key works, see the video." in other and "Record decision" in other
    assert "It is final: the money moves at once" in other


def test_the_disputes_list_shows_decided_and_appealed_cases_with_the_administration(client, people, tclock, preset):
    buyer, seller, staff, _ = people
    dispute = escalated(people, tclock)
    mediation.decide(dispute_id=dispute.pk, by=staff, outcome="full_refund", note="Refund.")
    html = page(client, buyer, "/disputes/?tab=escalated")
    assert dispute.public_id in html
    assert dispute.public_id in page(client, buyer, "/disputes/?tab=awaiting_me")  # to accept or appeal
    appeals.accept_decision(dispute_id=dispute.pk, by=buyer)
    assert dispute.public_id not in page(client, buyer, "/disputes/?tab=awaiting_me")
    assert re.search(r"Decided, open to appeal", page(client, seller, "/disputes/?tab=open"))


def test_the_case_file_carries_the_reasons_and_the_appeal(client, people, tclock, preset):
    buyer, seller, staff, second = people
    dispute = escalated(people, tclock)
    mediation.decide(dispute_id=dispute.pk, by=staff, outcome="full_refund", findings=["defective"], note="Refund.")
    appeals.appeal(dispute_id=dispute.pk, by=seller, reason="It works.")
    mediation.decide(dispute_id=dispute.pk, by=second, outcome="release_to_seller", note="It works indeed.")
    client.force_login(buyer)
    case = client.get(f"/disputes/{dispute.public_id}/export.json").json()
    resolution = case["resolution"]
    assert resolution["final"] is True and resolution["first_decider"] == "mediator"
    assert resolution["decided_by_user"] == "second"
    assert resolution["appeal"]["reason"] == "It works."
    assert resolution["reasons"]["decided_by"]["user"] == "second"
    assert resolution["reasons"]["outcome"] == "release_to_seller"
    printed = client.get(f"/disputes/{dispute.public_id}/print/").content.decode()
    assert "Statement of reasons" in printed


# The smaller edges of the party page ------------------------------------------------------------


@pytest.mark.parametrize("preset", ["difmark"], indirect=True)
def test_the_difmark_transfer_button_is_not_shown_when_it_could_never_be_pressed(client, people, tclock, preset):
    # Under difmark the buyer may transfer after 72 hours, when the dispute transfers by itself:
    # the button was always either too early or too late. The page says what happens instead.
    buyer, seller, _, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    dispute = factories.open_dispute(order)
    html = page(client, buyer, f"/disputes/{dispute.public_id}/")
    assert "Transfer to" not in html and 'data-testid="escalates-by-itself"' in html
    # Where the automatic escalation is off (a return agreed), the button is there and works.
    other = factories.open_dispute(factories.delivered_order(buyer, seller, price=100_00), kind="return_and_refund")
    from disputes import actions

    actions.accept_proposal(proposal_id=other.proposals.get().pk, by=seller)
    tclock.advance(hours=1)
    actions.mark_returned(dispute_id=other.pk, by=buyer)  # the seller now has 3 days to confirm
    tclock.advance(hours=71)
    html = page(client, buyer, f"/disputes/{other.public_id}/")
    assert 'data-testid="escalates-by-itself"' not in html
    assert re.search(r'<button class="danger" type="submit">Transfer to', html)
    client.post(f"/disputes/{other.public_id}/steps/escalate/")
    other.refresh_from_db()
    assert other.status == Dispute.Status.ESCALATED


@pytest.mark.parametrize(
    ("kind", "refund", "label", "money"),
    [
        ("partial_refund", 5_00, "Proceed to Return: refund 5.25 USD", "5.25 USD back to the buyer"),
        ("full_refund", None, "Proceed to Return: refund 105.00 USD", "105.00 USD back to the buyer"),
        ("replacement", None, "Proceed to Return: send a replacement", "100.00 USD goes to the seller"),
        ("return_and_refund", None, "Proceed to Return: take the item back, refund 105.00 USD", "once it arrives"),
    ],
)
def test_proceed_to_return_says_what_it_accepts_and_the_money(
    client, people, tclock, preset, kind, refund, label, money
):
    buyer, seller, _, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, kind=kind, refund_amount=refund)
    html = page(client, seller, f"/disputes/{dispute.public_id}/")
    button = re.search(r'data-testid="accept-' + kind + r'">([^<]*)</button>', html)
    assert button is not None
    assert button.group(1) == label
    assert money in html  # the confirmation states the money
