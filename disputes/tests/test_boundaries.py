"""Every timer of the two seeds at its edge: one second before, the action is refused (or the
timer has not fired); at the instant itself, it is allowed (or has fired)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from core.errors import Conflict
from core.models import Deadline
from disputes import actions, mediation
from disputes.models import Dispute, InfoRequest
from disputes.tests.support import bring_to_administration, notified, presets, refresh, since_opening
from orders.models import Order
from testsupport import factories

SECOND = timedelta(seconds=1)


def at(tclock, when) -> None:
    """Moves the test clock to `when`, running every deadline due by then."""
    tclock.advance(seconds=int((when - clock.now()).total_seconds()))
    assert clock.now() == when


@presets("standard", "igitems")
def test_a_dispute_opens_15_minutes_after_ordering(people, tclock, preset):
    buyer, seller, _ = people
    order = factories.paid_order(buyer, seller)
    opens_at = order.placed_at + timedelta(minutes=15)
    at(tclock, opens_at - SECOND)

    with pytest.raises(Conflict) as early:
        factories.open_dispute(order)

    assert (early.value.code, early.value.available_at) == ("dispute_too_early", opens_at)
    assert not Dispute.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    at(tclock, opens_at)
    assert factories.open_dispute(order).status == Dispute.Status.AWAITING_SELLER


@presets("difmark")
def test_difmark_opens_a_dispute_at_once(people, preset):
    buyer, seller, _ = people
    order = factories.paid_order(buyer, seller)
    assert clock.now() == order.placed_at
    assert factories.open_dispute(order).status == Dispute.Status.AWAITING_SELLER


@presets()
def test_a_dispute_opens_until_72_hours_after_delivery(people, tclock, preset):
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller)
    closes_at = order.delivered_at + timedelta(hours=72)
    at(tclock, closes_at - SECOND)
    assert factories.open_dispute(order).status == Dispute.Status.AWAITING_SELLER

    late = factories.delivered_order(buyer, seller)
    at(tclock, late.delivered_at + timedelta(hours=72))  # the order completes by itself
    late.refresh_from_db()
    assert late.status == Order.Status.COMPLETED
    with pytest.raises(Conflict) as closed:
        factories.open_dispute(late)
    assert closed.value.code == "dispute_window_closed"


@presets()
def test_the_guarantee_window_is_closed_at_72_hours_even_before_the_worker_runs(people, preset):
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller)
    clock.set_test_time(order.delivered_at + timedelta(hours=72))  # nothing has run yet
    with pytest.raises(Conflict) as closed:
        factories.open_dispute(order)
    assert closed.value.code == "dispute_window_closed"


@presets("standard", "igitems")
@pytest.mark.parametrize("party", ["buyer", "seller"])
def test_escalation_opens_24_hours_after_the_dispute(order, people, tclock, preset, party):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    by = buyer if party == "buyer" else seller
    opens_at = dispute.opened_at + timedelta(hours=24)
    at(tclock, opens_at - SECOND)

    with pytest.raises(Conflict) as early:
        actions.escalate(dispute_id=dispute.pk, by=by)

    assert (early.value.code, early.value.available_at) == ("escalation_too_early", opens_at)
    assert refresh(dispute).status == Dispute.Status.AWAITING_SELLER
    at(tclock, opens_at)
    actions.escalate(dispute_id=dispute.pk, by=by)
    assert refresh(dispute).escalated_by == party


@presets("difmark")
def test_difmark_buyer_escalates_at_72_hours(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    actions.post_message(dispute_id=dispute.pk, by=seller, body="Hello.")
    opens_at = dispute.opened_at + timedelta(hours=72)
    at(tclock, opens_at - SECOND)

    with pytest.raises(Conflict) as early:
        actions.escalate(dispute_id=dispute.pk, by=buyer)

    assert (early.value.code, early.value.available_at) == ("escalation_too_early", opens_at)
    clock.set_test_time(opens_at)  # before the worker applies the automatic escalation
    actions.escalate(dispute_id=dispute.pk, by=buyer)
    assert refresh(dispute).escalated_by == "buyer"


@presets("standard", "difmark")
def test_the_seller_has_48_hours_to_respond(order, people, tclock, preset):
    dispute = factories.open_dispute(order)
    due = dispute.opened_at + timedelta(hours=48)
    at(tclock, due - SECOND)
    assert refresh(dispute).status == Dispute.Status.AWAITING_SELLER
    at(tclock, due)
    assert (refresh(dispute).status, refresh(dispute).escalated_by) == ("escalated", "system")


@presets("standard", "difmark")
def test_the_seller_may_still_respond_in_the_last_second(order, people, tclock, preset):
    _, seller, _ = people
    dispute = factories.open_dispute(order)
    at(tclock, dispute.opened_at + timedelta(hours=48) - SECOND)
    actions.post_message(dispute_id=dispute.pk, by=seller, body="Here I am.")
    tclock.advance(seconds=1)
    assert refresh(dispute).status == Dispute.Status.NEGOTIATING


@presets("standard", "difmark")
def test_the_seller_is_reminded_once_12_hours_before_the_response_is_due(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    remind_at = dispute.opened_at + timedelta(hours=36)
    at(tclock, remind_at - SECOND)
    assert notified(seller, "dispute.reminder") == 0
    at(tclock, remind_at)
    assert notified(seller, "dispute.reminder") == 1
    tclock.advance(seconds=since_opening(dispute, hours=48))
    assert notified(seller, "dispute.reminder") == 1
    assert notified(buyer, "dispute.reminder") == 0


@presets("igitems")
def test_igitems_sends_no_response_reminder(order, people, tclock, preset):
    _, seller, _ = people
    factories.open_dispute(order)
    tclock.advance(days=8)
    assert notified(seller, "dispute.reminder") == 0


@presets("standard", "difmark")
def test_an_unresolved_dispute_escalates_at_72_hours(order, people, tclock, preset):
    _, seller, _ = people
    dispute = factories.open_dispute(order)
    actions.post_message(dispute_id=dispute.pk, by=seller, body="Let us talk.")
    due = dispute.opened_at + timedelta(hours=72)
    at(tclock, due - SECOND)
    assert refresh(dispute).status == Dispute.Status.NEGOTIATING
    at(tclock, due)
    assert (refresh(dispute).status, refresh(dispute).escalated_by) == ("escalated", "system")


def start_return(order, people) -> Dispute:
    _, seller, _ = people
    dispute = factories.open_dispute(order, kind="return_and_refund", reason="incorrect")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    return refresh(dispute)


@presets()
def test_the_buyer_has_3_days_to_send_the_return(order, people, tclock, preset):
    dispute = start_return(order, people)
    due = clock.now() + timedelta(days=3)
    at(tclock, due - SECOND)
    assert refresh(dispute).status == Dispute.Status.AWAITING_RETURN
    at(tclock, due)
    assert refresh(dispute).status == Dispute.Status.ESCALATED


@presets()
def test_the_seller_has_3_days_to_confirm_the_return(order, people, tclock, preset):
    buyer, seller, _ = people
    dispute = start_return(order, people)
    at(tclock, clock.now() + timedelta(days=3) - SECOND)
    actions.mark_returned(dispute_id=dispute.pk, by=buyer)  # in the last second: in time
    due = clock.now() + timedelta(days=3)
    at(tclock, due - SECOND)
    assert refresh(dispute).status == Dispute.Status.AWAITING_RETURN
    at(tclock, due)
    assert refresh(dispute).status == Dispute.Status.ESCALATED
    assert Deadline.objects.get(kind="dispute.return_ship").status == Deadline.Status.CANCELLED


@presets()
def test_the_seller_has_48_hours_to_redeliver_and_the_buyer_72_to_confirm(order, people, tclock, preset):
    _, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    at(tclock, clock.now() + timedelta(hours=48) - SECOND)
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY-2")
    due = clock.now() + timedelta(hours=72)
    at(tclock, due - SECOND)
    assert refresh(dispute).status == Dispute.Status.AWAITING_REDELIVERY
    at(tclock, due)
    assert (refresh(dispute).status, refresh(dispute).decided_by) == ("resolved", "timeout")


@presets()
def test_a_redelivery_48_hours_late_is_refused_after_escalation(order, people, tclock, preset):
    _, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    at(tclock, clock.now() + timedelta(hours=48))
    with pytest.raises(Conflict) as late:
        actions.redeliver(dispute_id=dispute.pk, by=seller)
    assert late.value.code == "not_allowed_in_state"


@presets()
@pytest.mark.parametrize("answer_in_last_second", [True, False])
def test_information_is_due_within_7_days(order, people, tclock, preset, answer_in_last_second):
    buyer, _, staff = people
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Proof?")
    due = request.asked_at + timedelta(days=7)
    assert request.due_at == due
    at(tclock, due - SECOND)
    request.refresh_from_db()
    assert request.status == InfoRequest.Status.OPEN
    if answer_in_last_second:
        mediation.answer_info(request_id=request.pk, by=buyer, body="Here.")
    at(tclock, due)
    request.refresh_from_db()
    if answer_in_last_second:
        assert (request.status, refresh(dispute).status) == ("answered", "escalated")
    else:
        assert (request.status, refresh(dispute).status) == ("forfeited", "resolved")
