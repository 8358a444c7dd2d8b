"""Rules at the edges the happy paths do not reach: a step taken after its deadline passed but
before the worker applied it, what the buyer can do about a bad redelivery, a delivered
service that silence or forfeit cannot refund, and the `refund_buyer` silence policy."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock, timeline
from core.errors import Conflict
from core.models import Deadline
from disputes import actions, mediation
from disputes.kinds import INFO_ANSWER, REDELIVERY, RETURN_SHIP, SELLER_RESPONSE
from disputes.models import Dispute, InfoRequest
from disputes.tests.support import (
    REFUNDED,
    Books,
    assert_settled,
    bring_to_administration,
    decide_now,
    event,
    notified,
    presets,
    refresh,
)
from disputes.verdicts import allowed_actions
from ledger import queries as ledger
from ops import deadlines as engine
from testsupport import factories


def due_of(kind: str, subject_id: int) -> Deadline:
    return Deadline.objects.get(kind=kind, subject_id=subject_id, status=Deadline.Status.PENDING)


def worker_late_at(when) -> None:
    """Moves the test clock without applying anything: the worker has not come round yet."""
    clock.set_test_time(when)


def refused_late(call) -> None:
    with pytest.raises(Conflict) as refusal:
        call()
    assert refusal.value.code == "deadline_passed"


def allowed(dispute: Dispute, user, action: str) -> bool:
    verdicts = {v.action: v for v in allowed_actions(refresh(dispute), user=user, now=clock.now())}
    return verdicts[action].allowed


# A passed deadline comes first ----------------------------------------------------------------


@presets("standard")
def test_an_answer_after_the_information_deadline_does_not_undo_the_forfeit(order, people, tclock, preset):
    buyer, seller, staff = people
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Proof?")
    worker_late_at(due_of(INFO_ANSWER, request.pk).due_at + timedelta(hours=5))

    assert not allowed(dispute, buyer, "answer_info")
    refused_late(lambda: mediation.answer_info(request_id=request.pk, by=buyer, body="Here it is."))
    engine.run_due()

    request.refresh_from_db()
    assert request.status == InfoRequest.Status.FORFEITED
    assert refresh(dispute).decided_by == "forfeit"


@presets("standard")
def test_a_return_marked_after_its_deadline_still_escalates(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="return_and_refund")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    due = due_of(RETURN_SHIP, dispute.pk).due_at

    worker_late_at(due - timedelta(seconds=1))
    assert allowed(dispute, buyer, "mark_returned")  # one second before: still in time
    worker_late_at(due)
    assert not allowed(dispute, buyer, "mark_returned")
    refused_late(lambda: actions.mark_returned(dispute_id=dispute.pk, by=buyer))
    engine.run_due()

    assert refresh(dispute).status == Dispute.Status.ESCALATED
    assert event(dispute, "dispute.step_missed").data == {"step": "ship"}


@presets("standard")
def test_a_redelivery_after_its_deadline_still_escalates(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    worker_late_at(due_of(REDELIVERY, dispute.pk).due_at)

    refused_late(lambda: actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY-2"))
    engine.run_due()

    assert refresh(dispute).status == Dispute.Status.ESCALATED


@presets("standard")
def test_a_message_after_the_response_deadline_is_kept_but_is_no_response(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    worker_late_at(due_of(SELLER_RESPONSE, dispute.pk).due_at + timedelta(minutes=3))

    actions.post_message(dispute_id=dispute.pk, by=seller, body="Sorry, I was away.")
    assert refresh(dispute).status == Dispute.Status.AWAITING_SELLER
    refused_late(lambda: actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=10_00))
    engine.run_due()

    dispute = refresh(dispute)
    assert (dispute.status, dispute.escalated_by) == (Dispute.Status.ESCALATED, "system")
    assert dispute.order.messages.filter(channel="dispute", body="Sorry, I was away.").exists()


@presets("difmark")
def test_escalating_as_the_deadline_escalates_is_no_conflict(order, people, tclock, preset):
    # Under difmark the buyer may escalate at 72 h, the moment the case escalates by itself.
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    actions.post_message(dispute_id=dispute.pk, by=seller, body="Let us talk.")
    worker_late_at(dispute.opened_at + timedelta(hours=72, minutes=1))

    actions.escalate(dispute_id=dispute.pk, by=buyer)

    assert refresh(dispute).escalated_by == "buyer"


@presets("standard")
def test_who_missed_a_step_cannot_escalate_it_away(order, people, tclock, preset):
    # The missed return must reach the mediator as a miss, not as the buyer's escalation.
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="return_and_refund")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    worker_late_at(due_of(RETURN_SHIP, dispute.pk).due_at)

    refused_late(lambda: actions.escalate(dispute_id=dispute.pk, by=buyer))
    actions.escalate(dispute_id=dispute.pk, by=seller)  # not the seller's step: nothing to hide
    assert refresh(dispute).escalated_by == "seller"


@presets("standard")
def test_a_deadline_waiting_to_retry_does_not_hold_the_case(order, people, tclock, preset):
    # Its handler failed and the worker retries later: until then people may act, as the
    # worker itself would not apply it yet.
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    response = due_of(SELLER_RESPONSE, dispute.pk)
    worker_late_at(response.due_at)
    Deadline.objects.filter(pk=response.pk).update(attempts=1, retry_at=response.due_at + timedelta(minutes=1))

    actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=10_00)

    assert refresh(dispute).status == Dispute.Status.NEGOTIATING


# Redelivery --------------------------------------------------------------------------------------


@presets()
def test_the_buyer_may_escalate_a_redelivery_at_once(order, people, tclock, preset):
    # Otherwise, under difmark, the confirmation window (72 h after the redelivery) could end
    # as escalation opens (72 h after the dispute), leaving the buyer no time to object.
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    assert not allowed(dispute, buyer, "escalate")  # minutes after opening: too early in every preset
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY-2")

    assert allowed(dispute, buyer, "escalate")
    actions.escalate(dispute_id=dispute.pk, by=buyer)

    dispute = refresh(dispute)
    assert (dispute.status, dispute.escalated_by) == (Dispute.Status.ESCALATED, "buyer")
    assert ledger.escrow_balance(order.pk) == order.total.amount
    assert (notified(seller, "dispute.escalated"), notified(buyer, "dispute.escalated")) == (1, 0)


# Delivered services ------------------------------------------------------------------------------


@pytest.fixture
def service(people, tclock):
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00, kind="service")
    tclock.advance(minutes=15)
    return order


@presets("standard")
def test_a_sellers_forfeit_does_not_refund_a_delivered_service(service, people, tclock, preset):
    buyer, seller, staff = people
    dispute = bring_to_administration(factories.open_dispute(service, reason="incomplete"), tclock)
    mediation.assign(dispute_id=dispute.pk, by=staff, assignee=staff.username)
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party="seller", question="Logs?")
    before = Books.of(service)

    tclock.advance(days=7)

    request.refresh_from_db()
    dispute = refresh(dispute)
    assert request.status == InfoRequest.Status.FORFEITED
    assert (dispute.status, dispute.waiting_on_staff) == (Dispute.Status.ESCALATED, True)
    assert before.delta(service) == Books(0, 0, 0)
    assert event(dispute, "dispute.forfeit_needs_decision").data == {"code": "seller_error_required"}
    sentences = [entry.text for entry in timeline.for_case(service.pk)]
    assert "A delivered service is refunded only for a seller error: a mediator decides the case" in sentences
    assert notified(buyer, "dispute.info_forfeited") == notified(staff, "dispute.info_forfeited") == 1
    # The administration decides, and a refund still needs the finding of seller error.
    with pytest.raises(Conflict):
        decide_now(dispute_id=dispute.pk, by=staff, outcome="full_refund", note="No answer.")
    decide_now(dispute_id=dispute.pk, by=staff, outcome="full_refund", note="Not done.", seller_error=True)
    assert_settled(dispute, before, **REFUNDED)


@presets("standard")
def test_a_service_delivered_again_in_the_dispute_counts_as_delivered(people, tclock, preset):
    buyer, seller, staff = people
    order = factories.paid_order(buyer, seller, price=100_00, kind="service")
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="not_received", kind="full_delivery")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="Boost done.")
    actions.escalate(dispute_id=dispute.pk, by=buyer)

    with pytest.raises(Conflict) as refusal:
        decide_now(dispute_id=dispute.pk, by=staff, outcome="full_refund", note="Refund.")
    assert refusal.value.code == "seller_error_required"


# The refund_buyer silence policy -----------------------------------------------------------------


@pytest.fixture
def refund_on_silence(policy_file):
    policy_file('extends = "standard"\nseller_silence_action = "refund_buyer"\n', "silence")


def test_refund_buyer_on_silence_refunds_an_undelivered_order(refund_on_silence, people, tclock):
    buyer, seller, _ = people
    order = factories.paid_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="not_received")
    before = Books.of(order)

    tclock.advance(hours=48)

    assert_settled(dispute, before, **REFUNDED)
    assert refresh(dispute).decided_by == "timeout"
    assert event(dispute, "dispute.resolved").rule == "seller_response_due"


def test_refund_buyer_on_silence_escalates_a_delivered_service(refund_on_silence, people, tclock):
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00, kind="service")
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="incomplete")

    tclock.advance(hours=48)

    dispute = refresh(dispute)
    assert (dispute.status, dispute.escalated_by) == (Dispute.Status.ESCALATED, "system")
    assert ledger.escrow_balance(order.pk) == order.total.amount


# Returns need a delivery ---------------------------------------------------------------------


@presets("standard")
def test_nothing_undelivered_can_be_returned(people, tclock, preset):
    buyer, seller, staff = people
    order = factories.paid_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    with pytest.raises(Conflict) as at_opening:
        factories.open_dispute(order, reason="not_received", kind="return_and_refund")
    assert at_opening.value.code == "nothing_to_return"

    dispute = factories.open_dispute(order, reason="not_received")
    with pytest.raises(Conflict) as proposed:
        actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=10)
    assert proposed.value.code == "nothing_to_return"
    bring_to_administration(dispute, tclock)
    with pytest.raises(Conflict) as decided:
        decide_now(dispute_id=dispute.pk, by=staff, outcome="return_and_refund", note="Return it.")
    assert decided.value.code == "nothing_to_return"
    assert ledger.escrow_balance(order.pk) == order.total.amount


@presets("standard")
def test_the_parties_may_agree_to_refund_a_delivered_service(service, people, tclock, preset):
    # The seller-error rule binds the administration and the timers; a seller who agrees to a
    # refund of a delivered service admits the error, and the case file records it.
    buyer, seller, _ = people
    dispute = factories.open_dispute(service, reason="incomplete", kind="partial_refund", refund_amount=40_00)
    before = Books.of(service)

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)

    assert_settled(
        dispute,
        before,
        buyer_refund=40_00,
        fee_refund=2_00,
        seller_payout=60_00,
        platform_fee=3_00,
        order_status="partially_refunded",
    )
    assert refresh(dispute).seller_error is True


def test_the_seller_confirms_a_return_only_after_the_buyer_sent_it(order, people, tclock):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, reason="incorrect", kind="return_and_refund")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    assert not allowed(dispute, seller, "confirm_return")
    with pytest.raises(Conflict) as early:
        actions.confirm_return(dispute_id=dispute.pk, by=seller)
    assert early.value.code == "not_allowed_in_state"
    assert refresh(dispute).status == "awaiting_return"

    actions.mark_returned(dispute_id=dispute.pk, by=buyer)
    assert allowed(dispute, seller, "confirm_return")
    actions.confirm_return(dispute_id=dispute.pk, by=seller)
    assert refresh(dispute).status == "resolved"


def test_the_steps_a_due_deadline_holds_back_are_marked_in_the_transition_table():
    from disputes.states import TRANSITIONS

    waiting = {action for action, transition in TRANSITIONS.items() if transition.waits_for_due_deadline}
    assert waiting == {
        "propose",
        "accept_proposal",
        "reject_proposal",
        "escalate",
        "mark_returned",
        "confirm_return",
        "redeliver",
        "confirm_redelivery",
        "answer_info",
        "decide",
        "accept_decision",
    }
    # Talking, evidence, assignment and questions go on while the deadline is applied.
    assert not {"message", "add_evidence", "assign", "request_info"} & waiting
