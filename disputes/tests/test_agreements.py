"""Disputes the two parties settle themselves, under every preset: each kind of proposal
agreed, rejection and counter-proposal, the seller's "Proceed to Return", and the buyer's
withdrawal. Every test checks the money to the cent (settlement, ledger, balances), the order's
status, the audit trail and who was told."""

from __future__ import annotations

import pytest

from core.errors import NotAllowedInState
from disputes import actions
from disputes.kinds import REDELIVERY, REDELIVERY_CONFIRM, RETURN_RECEIVE, RETURN_SHIP, SELLER_RESPONSE
from disputes.models import Dispute, Proposal
from disputes.tests.support import (
    REFUNDED,
    SELLER_PAID,
    Books,
    assert_settled,
    codes,
    event,
    notified,
    pending_kinds,
    presets,
    refresh,
)
from testsupport import factories

pytestmark = presets()


def test_full_refund_requested_and_accepted_by_the_seller(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="full_refund")
    before = Books.of(order)

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)

    assert_settled(dispute, before, **REFUNDED)
    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.decided_by, dispute.decided_by_user) == ("full_refund", "agreement", seller)
    accepted = event(dispute, "dispute.proposal_accepted")
    assert (accepted.actor, accepted.actor_role, accepted.rule) == (seller, "seller", "")
    resolved = event(dispute, "dispute.resolved")
    assert resolved.actor_role == "seller" and resolved.data["decided_by"] == "agreement"
    assert event(dispute, "order.settled").data["status"] == "refunded"
    assert notified(buyer, "dispute.proposal_accepted") == 1
    assert notified(buyer, "dispute.resolved") == notified(seller, "dispute.resolved") == 1
    assert pending_kinds(dispute) == set()


def test_rejection_then_counter_proposals_until_a_partial_refund(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="full_refund")
    request = dispute.proposals.get()

    actions.reject_proposal(proposal_id=request.pk, by=seller, note="The key works; send a screenshot.")
    assert refresh(dispute).status == Dispute.Status.NEGOTIATING
    assert event(dispute, "dispute.proposal_rejected").actor_role == "seller"
    assert notified(buyer, "dispute.proposal_rejected") == 1
    assert SELLER_RESPONSE not in pending_kinds(dispute)

    offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=40_00)
    assert notified(buyer, "dispute.proposal_made") == 1
    actions.reject_proposal(proposal_id=offer.pk, by=buyer)
    counter = actions.propose(dispute_id=dispute.pk, by=buyer, kind="partial_refund", refund_amount=60_00)
    assert notified(seller, "dispute.proposal_made") == 1
    with pytest.raises(NotAllowedInState):
        actions.accept_proposal(proposal_id=offer.pk, by=buyer)  # rejected proposals stay rejected
    before = Books.of(order)

    actions.accept_proposal(proposal_id=counter.pk, by=seller)

    assert_settled(
        dispute,
        before,
        buyer_refund=60_00,
        fee_refund=3_00,
        seller_payout=40_00,
        platform_fee=2_00,
        order_status="partially_refunded",
    )
    statuses = dict(dispute.proposals.values_list("pk", "status"))
    assert statuses == {request.pk: "rejected", offer.pk: "rejected", counter.pk: "accepted"}
    assert codes(dispute).count("dispute.proposal_made") == 2


def test_partial_refund_rounds_half_up_and_escrow_ends_at_zero(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="partial_refund", refund_amount=33_33)
    before = Books.of(order)

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)

    # 5.00 x 33.33 % = 1.6665 → 1.67 back to the buyer; the platform keeps the other 3.33.
    assert_settled(
        dispute,
        before,
        buyer_refund=33_33,
        fee_refund=1_67,
        seller_payout=66_67,
        platform_fee=3_33,
        order_status="partially_refunded",
    )


def test_replacement_redelivered_and_confirmed_pays_the_seller(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement", reason="defective")

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    dispute = refresh(dispute)
    assert dispute.status == Dispute.Status.AWAITING_REDELIVERY
    assert (dispute.waiting_on_buyer, dispute.waiting_on_seller) == (False, True)
    assert pending_kinds(dispute) == {REDELIVERY, f"{REDELIVERY}.reminder"}
    with pytest.raises(NotAllowedInState):  # nothing to confirm yet
        actions.confirm_redelivery(dispute_id=dispute.pk, by=buyer)

    actions.redeliver(dispute_id=dispute.pk, by=seller, note="NEW-KEY-42")
    dispute = refresh(dispute)
    assert dispute.status == Dispute.Status.AWAITING_REDELIVERY and dispute.redelivery_note == "NEW-KEY-42"
    assert pending_kinds(dispute) == {REDELIVERY_CONFIRM, f"{REDELIVERY_CONFIRM}.reminder"}
    assert notified(buyer, "dispute.redelivered") == 1
    before = Books.of(order)

    actions.confirm_redelivery(dispute_id=dispute.pk, by=buyer)

    assert_settled(dispute, before, **SELLER_PAID)
    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.decided_by) == ("delivered", "agreement")
    assert event(dispute, "dispute.redelivery_confirmed").actor_role == "buyer"
    assert codes(dispute).index("dispute.redelivery_started") < codes(dispute).index("dispute.redelivered")


def test_full_delivery_of_an_undelivered_order(preset, people, tclock):
    buyer, seller, _ = people
    order = factories.paid_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="not_received", kind="full_refund")
    offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="full_delivery", note="Sending it today.")
    assert offer.refund_amount is None and offer.seller_keep_percent is None

    actions.accept_proposal(proposal_id=offer.pk, by=buyer)
    assert refresh(dispute).status == Dispute.Status.AWAITING_REDELIVERY
    assert Proposal.objects.get(pk=dispute.proposals.order_by("id").first().pk).status == "lapsed"
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY-FULL")
    before = Books.of(order)
    actions.confirm_redelivery(dispute_id=dispute.pk, by=buyer)

    assert_settled(dispute, before, **SELLER_PAID)


def test_return_with_a_seller_share_refunds_the_rest(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="full_refund", reason="incorrect")
    offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=20)

    actions.accept_proposal(proposal_id=offer.pk, by=buyer)
    dispute = refresh(dispute)
    assert dispute.status == Dispute.Status.AWAITING_RETURN and dispute.return_keep_percent == 20
    assert (dispute.waiting_on_buyer, dispute.waiting_on_seller) == (True, False)
    assert RETURN_SHIP in pending_kinds(dispute)
    assert event(dispute, "dispute.return_started").data == {"keep_percent": 20}

    actions.mark_returned(dispute_id=dispute.pk, by=buyer, note="Tracking 123")
    dispute = refresh(dispute)
    assert (dispute.waiting_on_buyer, dispute.waiting_on_seller) == (False, True)
    assert RETURN_SHIP not in pending_kinds(dispute) and RETURN_RECEIVE in pending_kinds(dispute)
    assert notified(seller, "dispute.return_shipped") == 1
    before = Books.of(order)

    actions.confirm_return(dispute_id=dispute.pk, by=seller)

    assert_settled(
        dispute,
        before,
        buyer_refund=80_00,
        fee_refund=4_00,
        seller_payout=20_00,
        platform_fee=1_00,
        order_status="partially_refunded",
    )
    received = event(dispute, "dispute.return_received")
    assert (received.actor, received.actor_role) == (seller, "seller")
    assert refresh(dispute).decided_by == "agreement"


def test_seller_proceeds_to_return_while_awaiting_the_response(order, people, tclock):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="return_and_refund", reason="defective")
    has_timer = dispute.order.policy.seller_response_due is not None
    assert (SELLER_RESPONSE in pending_kinds(dispute)) == has_timer

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)  # "Proceed to Return"
    dispute = refresh(dispute)
    assert dispute.status == Dispute.Status.AWAITING_RETURN and dispute.return_keep_percent == 0
    assert SELLER_RESPONSE not in pending_kinds(dispute)
    assert event(dispute, "dispute.responded").actor_role == "seller"

    tclock.advance(hours=48)  # no response timer any more: nothing escalates
    assert refresh(dispute).status == Dispute.Status.AWAITING_RETURN
    actions.mark_returned(dispute_id=dispute.pk, by=buyer)
    before = Books.of(order)
    actions.confirm_return(dispute_id=dispute.pk, by=seller)

    assert_settled(dispute, before, **REFUNDED)


def test_buyer_withdraws_and_the_seller_is_paid_at_once(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="full_refund")
    actions.post_message(dispute_id=dispute.pk, by=seller, body="It works, look again please.")
    assert refresh(dispute).status == Dispute.Status.NEGOTIATING
    before = Books.of(order)

    withdrawal = actions.propose(dispute_id=dispute.pk, by=buyer, kind="withdraw", note="My mistake.")

    assert withdrawal.status == Proposal.Status.ACCEPTED
    assert_settled(dispute, before, **SELLER_PAID)
    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.decided_by, dispute.resolution_note) == ("withdrawn", "withdrawal", "My mistake.")
    assert dispute.proposals.get(kind="full_refund").status == Proposal.Status.SUPERSEDED
    assert event(dispute, "dispute.resolved").actor_role == "buyer"
    assert notified(seller, "dispute.resolved") == 1


def test_a_buyers_new_request_does_not_count_as_the_sellers_response(order, people, tclock):
    buyer, _, _ = people
    dispute = factories.open_dispute(order, kind="full_refund")

    actions.propose(dispute_id=dispute.pk, by=buyer, kind="partial_refund", refund_amount=50_00)

    dispute = refresh(dispute)
    assert dispute.status == Dispute.Status.AWAITING_SELLER
    assert dispute.responded_at is None
    assert (dispute.waiting_on_buyer, dispute.waiting_on_seller) == (False, True)
    if dispute.order.policy.seller_response_due is not None:
        tclock.advance(hours=48)
        assert refresh(dispute).status == Dispute.Status.ESCALATED
        assert event(dispute, "dispute.escalated").rule == "seller_response_due"
