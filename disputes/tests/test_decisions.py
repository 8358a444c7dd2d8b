"""The administration's decisions: every outcome, its dry run equal to what the ledger then
shows to the cent, and the decisions the refund rules refuse (with their codes, writing
nothing)."""

from __future__ import annotations

import pytest

from core.errors import Conflict, DomainError, NotAllowedInState, ValidationFailed
from core.models import AuditEvent
from disputes import actions, mediation
from disputes.models import Dispute
from disputes.tests.support import (
    Books,
    assert_settled,
    bring_to_administration,
    decide_now,
    event,
    notified,
    presets,
    refresh,
    settlement_amounts,
)
from ledger.models import Entry
from notifications.models import Notification
from testsupport import factories

SPLIT_FIELDS = ("buyer_refund", "fee_refund", "seller_payout", "platform_fee")
OUTCOMES = [
    # outcome, refund_amount, keep %, (buyer_refund, fee_refund, seller_payout, platform_fee), order status
    ("full_refund", None, None, (100_00, 5_00, 0, 0), "refunded"),
    ("partial_refund", 12_34, None, (12_34, 62, 87_66, 4_38), "partially_refunded"),
    ("release_to_seller", None, None, (0, 0, 100_00, 5_00), "completed"),
    ("return_and_refund", None, 30, (70_00, 3_50, 30_00, 1_50), "partially_refunded"),
]


def written() -> tuple[int, int, int]:
    return AuditEvent.objects.count(), Entry.objects.count(), Notification.objects.count()


def as_amounts(split) -> dict[str, int]:
    return {
        name: getattr(split, name).amount for name in ("buyer_refund", "fee_refund", "seller_payout", "platform_fee")
    }


@presets()
@pytest.mark.parametrize(("outcome", "refund", "keep", "money", "status"), OUTCOMES)
def test_a_decision_moves_exactly_the_money_its_dry_run_showed(
    order, people, tclock, preset, outcome, refund, keep, money, status
):
    buyer, seller, staff = people
    dispute = bring_to_administration(factories.open_dispute(order, reason="incorrect"), tclock)
    quiet = written()
    effect, preview = mediation.preview_decision(
        dispute=refresh(dispute), by=staff, outcome=outcome, refund_amount=refund, keep_percent=keep
    )
    assert written() == quiet  # the dry run writes nothing
    assert as_amounts(preview) == dict(zip(SPLIT_FIELDS, money, strict=True))
    before = Books.of(order)

    decide_now(
        dispute_id=dispute.pk,
        by=staff,
        outcome=outcome,
        refund_amount=refund,
        seller_keep_percent=keep,
        note="Decided on the evidence.",
    )

    decided = event(dispute, "dispute.decided")
    assert (decided.actor, decided.actor_role, decided.data["outcome"]) == (staff, "staff", outcome)
    if effect.kind == "await_return":
        dispute = refresh(dispute)
        assert (dispute.status, dispute.return_keep_percent, dispute.decided_by) == (
            "awaiting_return",
            30,
            "administrator",
        )
        assert notified(buyer, "dispute.decided") == notified(seller, "dispute.decided") == 1
        actions.mark_returned(dispute_id=dispute.pk, by=buyer)
        actions.confirm_return(dispute_id=dispute.pk, by=seller)
    buyer_refund, fee_refund, seller_payout, platform_fee = money
    assert_settled(
        dispute,
        before,
        buyer_refund=buyer_refund,
        fee_refund=fee_refund,
        seller_payout=seller_payout,
        platform_fee=platform_fee,
        order_status=status,
    )
    dispute.refresh_from_db()
    assert settlement_amounts(dispute) == as_amounts(preview)
    assert (dispute.decided_by, dispute.resolution_note) == ("administrator", "Decided on the evidence.")
    assert notified(buyer, "dispute.resolved") == notified(seller, "dispute.resolved") == 1


def refused(dispute: Dispute, staff, error: type[DomainError], code: str, **decision) -> None:
    """Both the dry run and the decision refuse with `code`, and nothing is written."""
    quiet = written()
    with pytest.raises(error) as dry:
        mediation.preview_decision(dispute=refresh(dispute), by=staff, **decision)
    assert dry.value.code == code
    keep = decision.pop("keep_percent", None)
    with pytest.raises(error) as real:
        decide_now(dispute_id=dispute.pk, by=staff, note="Decided.", seller_keep_percent=keep, **decision)
    assert real.value.code == code
    assert written() == quiet
    assert refresh(dispute).status == dispute.status


@pytest.mark.parametrize("outcome", ["full_refund", "partial_refund"])
def test_a_delivered_service_is_refunded_only_for_a_seller_error(people, preset, tclock, outcome):
    buyer, seller, staff = people
    order = factories.delivered_order(buyer, seller, kind="service")
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="incomplete"), tclock)
    terms = {"outcome": outcome, "refund_amount": 50_00 if outcome == "partial_refund" else None}

    refused(dispute, staff, Conflict, "seller_error_required", **terms)

    decide_now(dispute_id=dispute.pk, by=staff, note="The booster never played.", seller_error=True, **terms)
    dispute = refresh(dispute)
    assert dispute.seller_error is True and dispute.decided_by == "administrator"


def test_a_delivered_service_may_be_released_to_the_seller_without_a_finding(people, preset, tclock):
    buyer, seller, staff = people
    order = factories.delivered_order(buyer, seller, kind="service")
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="incomplete"), tclock)
    decide_now(dispute_id=dispute.pk, by=staff, outcome="release_to_seller", note="Done as ordered.")
    assert refresh(dispute).order.status == "completed"


def test_the_seller_keeps_at_most_half_on_a_return(order, people, tclock):
    _, _, staff = people
    dispute = bring_to_administration(factories.open_dispute(order, reason="incorrect"), tclock)
    refused(dispute, staff, ValidationFailed, "keep_too_high", outcome="return_and_refund", keep_percent=51)
    mediation.preview_decision(dispute=refresh(dispute), by=staff, outcome="return_and_refund", keep_percent=50)


@pytest.mark.parametrize("finding", ["defective", "not_as_described"])
def test_the_seller_keeps_nothing_of_an_item_found_defective_or_misdescribed(people, preset, tclock, finding):
    # The mediator's finding decides, not the reason the buyer ticked (PRODUCT.md §15).
    buyer, seller, staff = people
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="incorrect"), tclock)
    terms = {"outcome": "return_and_refund", "findings": [finding]}
    refused(dispute, staff, ValidationFailed, "keep_not_allowed", keep_percent=1, **terms)
    mediation.preview_decision(dispute=refresh(dispute), by=staff, keep_percent=0, **terms)


@pytest.mark.parametrize("reason", ["defective", "not_as_described"])
def test_the_buyers_ticked_reason_is_a_claim_not_a_finding(people, preset, tclock, reason):
    buyer, seller, staff = people
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason=reason), tclock)
    effect, split = mediation.preview_decision(
        dispute=refresh(dispute), by=staff, outcome="return_and_refund", keep_percent=30
    )
    assert (effect.keep_percent, split.seller_payout.amount) == (30, 30_00)
    # Between the parties, with no mediator, the claim is what there is: the seller keeps nothing.
    with pytest.raises(ValidationFailed) as agreed:
        actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=30)
    assert agreed.value.code == "keep_not_allowed"


@pytest.mark.parametrize("findings", [[], ["seller_error"]])
def test_a_delivered_service_has_nothing_to_return(people, preset, tclock, findings):
    buyer, seller, staff = people
    order = factories.delivered_order(buyer, seller, kind="service")
    other = factories.delivered_order(buyer, seller, kind="service")
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="incomplete")
    with pytest.raises(Conflict) as proposed:
        actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=50)
    assert proposed.value.code == "nothing_to_return"
    with pytest.raises(Conflict) as requested:
        factories.open_dispute(other, kind="return_and_refund")
    assert requested.value.code == "nothing_to_return"
    dispute = bring_to_administration(dispute, tclock)
    refused(dispute, staff, Conflict, "nothing_to_return", outcome="return_and_refund", findings=findings)


@pytest.mark.parametrize("refund", [None, 0, 100_00, 100_01, -1])
def test_a_partial_refund_decision_needs_an_amount_strictly_inside_the_price(order, people, tclock, refund):
    _, _, staff = people
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    refused(dispute, staff, ValidationFailed, "validation_error", outcome="partial_refund", refund_amount=refund)


@pytest.mark.parametrize("state", ["awaiting_seller", "negotiating", "awaiting_return", "resolved"])
def test_no_decision_outside_mediation(order, people, state):
    buyer, seller, staff = people
    dispute = factories.open_dispute(order, kind="return_and_refund", reason="incorrect")
    if state == "negotiating":
        actions.post_message(dispute_id=dispute.pk, by=seller, body="Hello.")
    elif state in ("awaiting_return", "resolved"):
        actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
        if state == "resolved":
            actions.mark_returned(dispute_id=dispute.pk, by=buyer)
            actions.confirm_return(dispute_id=dispute.pk, by=seller)
    assert refresh(dispute).status == state

    refused(refresh(dispute), staff, NotAllowedInState, "not_allowed_in_state", outcome="release_to_seller")


def test_parties_cannot_decide(order, people, tclock):
    buyer, seller, _ = people
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    for party in (buyer, seller):
        with pytest.raises(DomainError) as exc:
            decide_now(dispute_id=dispute.pk, by=party, outcome="full_refund", note="Mine.")
        assert exc.value.code == "forbidden"


@pytest.mark.parametrize("outcome", ["return_and_refund", "full_delivery"])
def test_a_decided_course_lapses_the_proposals_still_open(order, people, tclock, outcome):
    # The seller's old offer must not overturn the administration's decision later, when the
    # case is back in mediation after a missed step.
    buyer, seller, staff = people
    dispute = factories.open_dispute(order, reason="incorrect")
    offer = actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=10_00)
    dispute = bring_to_administration(dispute, tclock)

    if outcome == "return_and_refund":
        decide_now(dispute_id=dispute.pk, by=staff, outcome=outcome, seller_keep_percent=0, note="Return.")
    else:  # the administration has no redelivery outcome: the parties agree on one
        redo = actions.propose(dispute_id=dispute.pk, by=buyer, kind="full_delivery")
        actions.accept_proposal(proposal_id=redo.pk, by=seller)

    assert dispute.proposals.get(pk=offer.pk).status == "lapsed"
    assert not dispute.proposals.filter(status="open").exists()
    step = (
        dispute.order.policy.return_ship_due if outcome == "return_and_refund" else dispute.order.policy.redelivery_due
    )
    tclock.advance(seconds=int(step.total_seconds()))
    assert refresh(dispute).status == "escalated"  # the missed step brought the case back
    with pytest.raises(NotAllowedInState):
        actions.accept_proposal(proposal_id=offer.pk, by=buyer)
    assert refresh(dispute).status == "escalated"
