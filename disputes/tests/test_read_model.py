"""The dispute's read model (`disputes.read_model`): each field right on states reached through
the real actions, and every reader (API, page, case file) showing the same amounts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from core import clock
from core.money import Money
from disputes import actions, export, queries, read_model
from disputes.tests.support import bring_to_administration, decide_now, refresh
from testsupport import factories
from testsupport.querycount import queries_for


@pytest.fixture
def case(make_user, tclock):
    """A dispute asking for a partial refund of 30.00 on a delivered 100.00 USD order."""
    buyer, seller, staff = make_user("buyer"), make_user("seller"), make_user("mediator", staff=True)
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, kind="partial_refund", refund_amount=30_00)
    return buyer, seller, staff, dispute


def view_of(dispute, user):
    return read_model.case_view(refresh(dispute), viewer=user, now=clock.now())


def test_an_open_dispute_as_each_party_sees_it(case):
    buyer, seller, _, dispute = case
    mine, theirs = view_of(dispute, buyer), view_of(dispute, seller)
    assert (mine.party, theirs.party) == ("buyer", "seller")
    assert mine.requested_outcome == {"kind": "partial_refund", "refund_amount": {"amount": 30_00, "currency": "USD"}}
    assert mine.waiting_on == ("seller",)
    assert mine.status_label == "Awaiting the seller"
    assert mine.passed_deadline is None and mine.resolution is None and mine.appeal is None
    assert [v.action for v in mine.allowed_actions] == list(mine.verdicts)
    assert mine.verdicts["escalate"].code == "escalation_too_early"
    assert theirs.verdicts["propose"].allowed
    assert any(d.party == "seller" for d in mine.deadlines)  # the seller's response is due
    assert [t.code for t in mine.timeline][-1] == "dispute.opened"
    assert mine.proposals[0].row.author_role == "buyer"  # the request is the buyer's first proposal


def test_a_proposal_carries_its_money_its_preview_and_who_may_answer_it(case):
    buyer, seller, _, dispute = case
    actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=20_00, note="")
    offer = view_of(dispute, buyer).proposals[-1]
    assert offer.refund_amount == Money(20_00, "USD")
    assert offer.preview == queries.preview_of(offer.row)
    assert offer.preview.buyer_refund == Money(20_00, "USD")
    assert offer.verdicts["accept_proposal"].allowed and [v.action for v in offer.allowed_actions] == [
        "accept_proposal",
        "reject_proposal",
    ]
    own = view_of(dispute, seller).proposals[-1]
    assert own.verdicts["accept_proposal"].code == "forbidden"
    actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=25_00, note="")
    superseded = view_of(dispute, buyer).proposals[-2]
    assert superseded.row.status == "superseded" and superseded.allowed_actions == ()


def test_a_passed_deadline_is_a_plain_field_and_every_step_defers_to_it(case):
    buyer, seller, _, dispute = case
    due = refresh(dispute).order.policy.seller_response_due
    assert due is not None
    clock.set_test_time(dispute.opened_at + due + timedelta(minutes=1))  # the worker has not run yet
    view = view_of(dispute, seller)
    assert view.passed_deadline is not None and view.passed_deadline.kind.endswith("seller_response")
    assert view.verdicts["propose"].code == "deadline_passed"
    assert all(p.verdicts["accept_proposal"].code == "deadline_passed" for p in view.proposals)
    assert "_passed_deadline" not in view.dispute.__dict__  # nothing remembered on the instance


def test_questions_say_what_an_unanswered_one_does(case, tclock):
    buyer, _, staff, dispute = case
    from disputes import mediation

    bring_to_administration(dispute, tclock)
    mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Which region?")
    [question] = view_of(dispute, buyer).questions
    assert question.row.question == "Which region?"
    assert question.if_unanswered and "buyer" in question.if_unanswered


def test_the_resolution_holds_the_settlement_and_the_statement_of_reasons(case, tclock):
    buyer, _, staff, dispute = case
    bring_to_administration(dispute, tclock)
    decide_now(dispute_id=dispute.pk, by=staff, outcome="partial_refund", refund_amount=10_00, note="Half missing.")
    resolution = view_of(dispute, buyer).resolution
    assert resolution is not None and resolution.final
    assert resolution.outcome == "partial_refund" and resolution.decided_by == "administrator"
    assert resolution.split.buyer_refund == Money(10_00, "USD")
    assert resolution.split.as_dict() == refresh(dispute).settlement
    assert resolution.reasons is not None and resolution.reasons["amounts"] == resolution.split.as_dict()
    assert resolution.note == "Half missing."


def test_the_api_the_page_and_the_case_file_show_the_same_amounts(case, client, api):
    buyer, seller, _, dispute = case
    actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=20_00, note="")
    by_api = api(buyer).get(f"/disputes/{dispute.public_id}").json()
    client.force_login(buyer)
    by_file = json.loads(client.get(f"/disputes/{dispute.public_id}/export.json").content)
    page = client.get(f"/disputes/{dispute.public_id}/").content.decode()

    assert by_api["requested_outcome"] == by_file["dispute"]["requested_outcome"]
    assert by_api["requested_outcome"]["refund_amount"] == {"amount": 30_00, "currency": "USD"}
    assert [p["refund_amount"] for p in by_api["proposals"]] == [p["refund_amount"] for p in by_file["proposals"]]
    assert [p["preview"] for p in by_api["proposals"]] == [p["preview"] for p in by_file["proposals"]]
    for shown in by_api["proposals"]:
        assert Money(shown["refund_amount"]["amount"], "USD").format() in page
        assert Money(shown["preview"]["seller_payout"]["amount"], "USD").format() in page


def test_the_case_costs_the_same_queries_with_more_proposals(case, api):
    buyer, seller, _, dispute = case
    client = api(buyer)

    def detail():
        return client.get(f"/disputes/{dispute.public_id}")

    few = queries_for(detail)
    for amount in (25_00, 22_00):
        actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=amount, note="")
        actions.propose(dispute_id=dispute.pk, by=buyer, kind="partial_refund", refund_amount=amount + 1_00, note="")
    assert queries_for(detail) == few


def test_the_case_file_is_the_read_model_in_another_shape(case):
    buyer, _, _, dispute = case
    view = view_of(dispute, buyer)
    document = export.document(view)
    assert document["dispute"]["status_label"] == view.status_label
    assert document["proposals"][0]["preview"] == view.proposals[0].preview.as_dict()
    assert document["resolution"] is None


def test_the_buyers_withdrawal_preview_pays_the_seller_everything_and_only_the_buyer_has_one(case: Any) -> None:
    buyer, seller, _, dispute = case
    mine, theirs = view_of(dispute, buyer), view_of(dispute, seller)
    assert theirs.withdrawal is None
    assert mine.withdrawal is not None
    assert mine.withdrawal.buyer_refund == Money(0, "USD") and mine.withdrawal.seller_payout == Money(100_00, "USD")

    actions.propose(dispute_id=dispute.pk, by=buyer, kind="withdraw", note="")
    resolved = view_of(dispute, buyer)
    assert resolved.withdrawal is None  # nothing left to withdraw
    assert resolved.resolution is not None and resolved.resolution.split == mine.withdrawal


def test_what_was_agreed_is_the_accepted_proposals_preview(case: Any) -> None:
    buyer, seller, _, dispute = case
    assert view_of(dispute, buyer).agreed is None
    offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=0, note="")
    actions.accept_proposal(proposal_id=offer.pk, by=buyer)
    view = view_of(dispute, buyer)
    assert view.dispute.status == "awaiting_return"
    (accepted,) = [p for p in view.proposals if p.row.pk == offer.pk]
    assert view.agreed == accepted.preview and view.agreed.buyer_refund == Money(100_00, "USD")


def test_what_was_agreed_is_what_the_last_step_will_pay_whatever_was_accepted_first(case: Any, tclock: Any) -> None:
    # A replacement was accepted and never delivered; the case went to the administration, where
    # the parties then agreed on a return with 40 % kept. The seller's confirmation must state the
    # return's split, not the first accepted proposal's.
    buyer, seller, _, dispute = case
    replacement = actions.propose(dispute_id=dispute.pk, by=seller, kind="replacement", note="A new key")
    actions.accept_proposal(proposal_id=replacement.pk, by=buyer)
    tclock.advance(days=30)  # the redelivery's time runs out: the case is escalated
    assert refresh(dispute).status == "escalated"
    offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=40, note="")
    actions.accept_proposal(proposal_id=offer.pk, by=buyer)

    agreed = view_of(dispute, seller).agreed
    settled = actions.confirm_return(
        dispute_id=actions.mark_returned(dispute_id=dispute.pk, by=buyer).pk, by=seller
    ).settlement

    assert agreed is not None and agreed.buyer_refund == Money(60_00, "USD")
    assert agreed.as_dict() == settled
