"""What time does to a dispute, driven by the test clock under each preset: the seller's
silence, manual and automatic escalation, missed return and redelivery steps, an unconfirmed
redelivery, and the administration's information requests answered or left unanswered."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.errors import Conflict, Forbidden
from core.models import Deadline
from disputes import actions, mediation
from disputes.kinds import AUTO_ESCALATE, IDLE, INFO_ANSWER, SELLER_RESPONSE
from disputes.models import Dispute, InfoRequest
from disputes.tests.support import (
    SELLER_PAID,
    Books,
    assert_settled,
    bring_to_administration,
    event,
    notified,
    pending_kinds,
    presets,
    refresh,
    since_opening,
)
from disputes.verdicts import status_label
from ledger import queries as ledger
from ops import deadlines
from testsupport import factories

LABELS = {"standard": "Escalated", "igitems": "Escalated", "difmark": "Involvement of the administration"}


def assert_escalated_by_system(dispute: Dispute, *, rule: str, preset: str) -> None:
    dispute = refresh(dispute)
    assert dispute.status == Dispute.Status.ESCALATED and dispute.escalated_by == "system"
    assert status_label(dispute) == LABELS[preset]
    escalated = event(dispute, "dispute.escalated")
    assert (escalated.actor, escalated.actor_role, escalated.rule) == (None, "system", rule)
    for user in (dispute.order.buyer, dispute.order.seller):
        assert notified(user, "dispute.escalated") == 1
    assert dispute.waiting_on_staff and not (dispute.waiting_on_buyer or dispute.waiting_on_seller)
    assert ledger.escrow_balance(dispute.order_id) == dispute.order.total.amount  # nothing paid out


@presets()
def test_seller_silence_escalates_at_48_hours_except_under_igitems(order, people, tclock, preset):
    dispute = factories.open_dispute(order)

    tclock.advance(seconds=since_opening(dispute, hours=48))

    if preset == "igitems":
        assert refresh(dispute).status == Dispute.Status.AWAITING_SELLER
        # No response timer, no automatic escalation: only the reminder of a case left idle.
        assert pending_kinds(dispute) == {IDLE}
        tclock.advance(days=8)
        assert refresh(dispute).status == Dispute.Status.AWAITING_SELLER
        assert notified(order.buyer, "dispute.escalated") == 0
    else:
        assert_escalated_by_system(dispute, rule="seller_response_due", preset=preset)
        assert pending_kinds(dispute) == set()


@presets("standard", "igitems")
@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_either_party_escalates_after_24_hours(order, people, tclock, preset, party):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    actions.post_message(dispute_id=dispute.pk, by=seller, body="Which region did you order?")
    tclock.advance(hours=24)
    by, other = (buyer, seller) if party == "buyer" else (seller, buyer)

    actions.escalate(dispute_id=dispute.pk, by=by)

    dispute = refresh(dispute)
    assert (dispute.status, dispute.escalated_by, dispute.escalated_at) == ("escalated", party, clock.now())
    escalated = event(dispute, "dispute.escalated")
    assert (escalated.actor, escalated.actor_role, escalated.rule) == (by, party, "")
    assert notified(other, "dispute.escalated") == 1
    assert AUTO_ESCALATE not in pending_kinds(dispute)
    with pytest.raises(Conflict) as again:
        actions.escalate(dispute_id=dispute.pk, by=other)
    assert again.value.code == "already_escalated"


@presets("difmark")
def test_difmark_lets_only_the_buyer_escalate_after_72_hours(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    actions.post_message(dispute_id=dispute.pk, by=seller, body="Let us talk.")
    with pytest.raises(Forbidden) as early:
        actions.escalate(dispute_id=dispute.pk, by=seller)
    assert early.value.code == "forbidden"
    tclock.advance(seconds=since_opening(dispute, hours=72, seconds=-1))
    # The worker has not yet run the 72-hour deadline when the buyer clicks at 72 h sharp.
    clock.set_test_time(dispute.opened_at + timedelta(hours=72))
    with pytest.raises(Forbidden):
        actions.escalate(dispute_id=dispute.pk, by=seller)

    actions.escalate(dispute_id=dispute.pk, by=buyer)

    dispute = refresh(dispute)
    assert (dispute.status, dispute.escalated_by) == ("escalated", "buyer")
    assert status_label(dispute) == "Involvement of the administration"
    assert notified(seller, "dispute.escalated") == 1
    deadlines.run_due()  # the automatic escalation finds the case already escalated
    assert refresh(dispute).escalated_by == "buyer"


@presets()
def test_unresolved_disputes_escalate_by_themselves_at_72_hours_except_under_igitems(order, people, tclock, preset):
    _, seller, _ = people
    dispute = factories.open_dispute(order)
    actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=10_00)

    tclock.advance(seconds=since_opening(dispute, hours=72))

    if preset == "igitems":
        tclock.advance(days=8)
        assert refresh(dispute).status == Dispute.Status.NEGOTIATING
    else:
        assert_escalated_by_system(dispute, rule="auto_escalate_after", preset=preset)


def agree_on_return(dispute: Dispute, people: tuple) -> Dispute:
    _, seller, _ = people
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    return refresh(dispute)


@presets()
def test_a_missed_return_shipment_escalates(order, people, tclock, preset):
    dispute = agree_on_return(factories.open_dispute(order, kind="return_and_refund", reason="defective"), people)

    tclock.advance(days=3)

    assert_escalated_by_system(dispute, rule="return_ship_due", preset=preset)
    missed = event(dispute, "dispute.step_missed")
    assert (missed.rule, missed.data) == ("return_ship_due", {"step": "ship"})


@presets()
def test_a_missed_return_receipt_escalates(order, people, tclock, preset):
    buyer, _, _ = people
    dispute = agree_on_return(factories.open_dispute(order, kind="return_and_refund", reason="defective"), people)
    tclock.advance(days=1)
    actions.mark_returned(dispute_id=dispute.pk, by=buyer)

    tclock.advance(days=3)

    assert_escalated_by_system(dispute, rule="return_receive_due", preset=preset)
    assert event(dispute, "dispute.step_missed").data == {"step": "receive"}


@presets()
def test_a_missed_redelivery_escalates(order, people, tclock, preset):
    dispute = agree_on_return(factories.open_dispute(order, kind="replacement"), people)
    assert dispute.status == Dispute.Status.AWAITING_REDELIVERY

    tclock.advance(hours=48)

    assert_escalated_by_system(dispute, rule="redelivery_due", preset=preset)
    assert event(dispute, "dispute.step_missed").data == {"step": "redeliver"}


@presets()
def test_an_unconfirmed_redelivery_completes_after_the_guarantee_window(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = agree_on_return(factories.open_dispute(order, kind="replacement"), people)
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="NEW-KEY")
    before = Books.of(order)

    tclock.advance(hours=72)

    assert_settled(dispute, before, **SELLER_PAID)
    dispute.refresh_from_db()
    assert (dispute.outcome, dispute.decided_by, dispute.decided_by_user) == ("delivered", "timeout", None)
    resolved = event(dispute, "dispute.resolved")
    assert (resolved.actor_role, resolved.rule) == ("system", "guarantee_window")
    assert notified(buyer, "dispute.resolved") == notified(seller, "dispute.resolved") == 1


@presets()
@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_an_answered_information_request_forfeits_nothing(order, people, tclock, preset, party):
    buyer, seller, staff = people
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party=party, question="Proof, please?")
    asked = buyer if party == "buyer" else seller
    assert notified(asked, "dispute.info_requested") == 1
    assert refresh(dispute).waiting_on_staff is False
    tclock.advance(days=6)

    mediation.answer_info(request_id=request.pk, by=asked, body="Screenshot attached.")
    tclock.advance(days=2)

    request.refresh_from_db()
    assert request.status == InfoRequest.Status.ANSWERED
    assert refresh(dispute).status == Dispute.Status.ESCALATED
    assert refresh(dispute).waiting_on_staff is True
    assert event(dispute, "dispute.info_answered").actor_role == party
    assert notified(staff, "dispute.info_answered") == 1
    assert not Deadline.objects.filter(kind=INFO_ANSWER, subject_id=request.pk, status="pending").exists()


@presets()
@pytest.mark.parametrize(
    ("party", "refund", "fee_refund", "payout", "fee", "status"),
    [
        ("buyer", 0, 0, 100_00, 5_00, "completed"),  # the buyer's claim closes: the seller is paid
        ("seller", 100_00, 5_00, 0, 0, "refunded"),  # the seller's silence refunds the buyer
    ],
)
def test_an_unanswered_information_request_forfeits(
    order, people, tclock, preset, party, refund, fee_refund, payout, fee, status
):
    _, _, staff = people
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party=party, question="Proof, please?")
    before = Books.of(order)

    tclock.advance(days=7)

    assert_settled(
        dispute,
        before,
        buyer_refund=refund,
        fee_refund=fee_refund,
        seller_payout=payout,
        platform_fee=fee,
        order_status=status,
    )
    request.refresh_from_db()
    assert request.status == InfoRequest.Status.FORFEITED
    dispute.refresh_from_db()
    assert dispute.decided_by == "forfeit"
    forfeited = event(dispute, "dispute.info_forfeited")
    assert (forfeited.actor_role, forfeited.rule, forfeited.data) == ("system", "info_request_due", {"party": party})
    assert notified(order.buyer, "dispute.resolved") == notified(order.seller, "dispute.resolved") == 1


@presets()
def test_an_agreement_during_mediation_closes_the_open_question(order, people, tclock, preset):
    buyer, seller, staff = people
    dispute = bring_to_administration(
        factories.open_dispute(order, kind="return_and_refund", reason="defective"), tclock
    )
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Photos?")

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)  # agreed while escalated

    request.refresh_from_db()
    assert refresh(dispute).status == Dispute.Status.AWAITING_RETURN
    assert request.status == InfoRequest.Status.CLOSED
    assert INFO_ANSWER not in set(
        Deadline.objects.filter(subject_id=request.pk, status="pending").values_list("kind", flat=True)
    )
    # The return is missed and the case goes back to the administration: the old question,
    # which the buyer could not answer meanwhile, must not forfeit the buyer's claim.
    tclock.advance(days=3)
    assert refresh(dispute).status == Dispute.Status.ESCALATED
    tclock.advance(days=5)
    assert refresh(dispute).status == Dispute.Status.ESCALATED
    assert SELLER_RESPONSE not in pending_kinds(dispute)


@presets("standard")
@pytest.mark.parametrize(
    ("step", "party"),
    [
        ("return_ship", "buyer"),
        ("return_receive", "seller"),
        ("redelivery", "seller"),
        ("redelivery_confirm", "buyer"),
        ("info_answer", "seller"),
    ],
)
def test_each_step_is_reminded_to_the_party_who_must_take_it(order, people, tclock, preset, step, party):
    buyer, seller, staff = people
    if step.startswith("return"):
        dispute = factories.open_dispute(order, kind="return_and_refund")
        actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
        if step == "return_receive":
            actions.mark_returned(dispute_id=dispute.pk, by=buyer)
    elif step.startswith("redelivery"):
        dispute = factories.open_dispute(order, kind="replacement")
        actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
        if step == "redelivery_confirm":
            actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY-2")
    else:
        dispute = bring_to_administration(factories.open_dispute(order), tclock)
        mediation.request_info(dispute_id=dispute.pk, by=staff, party="seller", question="Logs?")
    main = Deadline.objects.get(kind=f"dispute.{step}", case_id=order.pk, status=Deadline.Status.PENDING)
    remind_at = main.due_at - refresh(dispute).order.policy.reminder_before_deadline
    asked, other = (buyer, seller) if party == "buyer" else (seller, buyer)
    before = (notified(asked, "dispute.reminder"), notified(other, "dispute.reminder"))

    tclock.advance(seconds=int((remind_at - clock.now()).total_seconds()) - 1)
    assert (notified(asked, "dispute.reminder"), notified(other, "dispute.reminder")) == before
    tclock.advance(seconds=1)
    assert (notified(asked, "dispute.reminder"), notified(other, "dispute.reminder")) == (before[0] + 1, before[1])


# Idle disputes (policy idle_dispute_reminder_after) -------------------------------------------


@presets("igitems")
def test_an_idle_dispute_reminds_both_sides_of_their_options(order, people, tclock, preset):
    from core.models import AuditEvent

    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    tclock.advance(days=3)
    actions.post_message(dispute_id=dispute.pk, by=seller, body="Looking into it.")  # the case moved
    tclock.advance(days=6)
    assert notified(buyer, "dispute.idle_reminder") == notified(seller, "dispute.idle_reminder") == 0

    tclock.advance(days=1)  # 7 days since the last move

    assert notified(buyer, "dispute.idle_reminder") == notified(seller, "dispute.idle_reminder") == 1
    assert AuditEvent.objects.filter(case_id=order.pk, code="dispute.idle_reminded").count() == 1
    assert refresh(dispute).status == "negotiating"  # a nudge, not a step
    tclock.advance(days=7)
    assert notified(buyer, "dispute.idle_reminder") == 2


@presets("standard", "difmark")
def test_presets_that_escalate_by_themselves_send_no_idle_reminder(order, people, tclock, preset):
    buyer, _, _ = people
    factories.open_dispute(order)
    tclock.advance(days=10)
    assert notified(buyer, "dispute.idle_reminder") == 0
