"""The staff queue sorts its disputes by a stored time, `Dispute.staff_waiting_since` (with the
decision target before it when there is one): since when the case has waited for the
administration. The actions keep it (escalation, an answer, a forfeit), and migration 0011
fills it for the cases that were already there with what the queue computed from the
questions until then. (`disputes/tests/test_dispute_machine.py` checks it after every step of
random histories.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from core import clock
from desk import queries as inbox
from disputes import mediation
from disputes.models import Dispute, InfoRequest
from disputes.tests.support import bring_to_administration, with_computed_staff_waiting_since
from testsupport import factories


def stored(dispute: Dispute) -> object:
    return Dispute.objects.values_list("staff_waiting_since", flat=True).get(pk=dispute.pk)


def cases(make_user, tclock) -> dict[str, Dispute]:
    """Four cases: escalated; escalated with a question answered; escalated with a question
    forfeited (a replacement asked for, so the forfeit leaves it to a mediator); never escalated."""
    mediator = make_user("mediator", staff=True)
    found = {}
    for name, kind in (("escalated", "full_refund"), ("answered", "full_refund"), ("forfeited", "replacement")):
        buyer, seller = make_user(f"buyer-{name}"), make_user(f"seller-{name}")
        order = factories.delivered_order(buyer, seller, price=100_00)
        tclock.advance(minutes=15)
        found[name] = bring_to_administration(factories.open_dispute(order, kind=kind, reason="defective"), tclock)
    tclock.advance(hours=1)
    answered = found["answered"]
    question = mediation.request_info(dispute_id=answered.pk, by=mediator, party="buyer", question="Photos?")
    tclock.advance(hours=2)
    mediation.answer_info(request_id=question.pk, by=answered.order.buyer, body="Here.")
    forfeited = found["forfeited"]
    question = mediation.request_info(dispute_id=forfeited.pk, by=mediator, party="seller", question="Proof?")
    tclock.advance(seconds=(question.due_at - clock.now()).total_seconds() + 60)  # the forfeit runs
    buyer, seller = make_user("buyer-quiet"), make_user("seller-quiet")
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    found["quiet"] = factories.open_dispute(order, reason="defective")
    return {name: Dispute.objects.get(pk=d.pk) for name, d in found.items()}


def test_the_actions_store_since_when_a_case_waits_for_the_administration(preset, make_user, tclock):
    found = cases(make_user, tclock)
    answer = InfoRequest.objects.get(dispute=found["answered"])
    forfeit = InfoRequest.objects.get(dispute=found["forfeited"])
    assert answer.status == InfoRequest.Status.ANSWERED and forfeit.status == InfoRequest.Status.FORFEITED
    assert found["forfeited"].status == Dispute.Status.ESCALATED and found["forfeited"].waiting_on_staff

    assert stored(found["escalated"]) == found["escalated"].escalated_at
    assert stored(found["answered"]) == answer.answered_at > found["answered"].escalated_at
    assert stored(found["forfeited"]) == forfeit.due_at > found["forfeited"].escalated_at
    assert stored(found["quiet"]) is None
    computed = with_computed_staff_waiting_since(Dispute.objects.all()).values_list("pk", "computed_since")
    assert dict(Dispute.objects.values_list("pk", "staff_waiting_since")) == dict(computed)

    # The three cases waiting for the administration are in its queue.
    staff = make_user("desk", staff=True)
    queue = [item.ref for item in inbox.page(inbox.Filters(viewer=staff), now=clock.now()).items]
    assert {found[name].public_id for name in ("escalated", "answered", "forfeited")} <= set(queue)


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_time_the_queue_computed(preset, make_user, tclock):
    """The cases above, the field taken away (back to 0010) and brought back: 0011 fills it
    with what the actions had stored, which is what the questions say."""
    found = cases(make_user, tclock)
    before = dict(Dispute.objects.values_list("pk", "staff_waiting_since"))
    assert sum(value is not None for value in before.values()) == 3

    try:
        call_command("migrate", "disputes", "0010", verbosity=0)
    finally:
        call_command("migrate", "disputes", verbosity=0)

    assert dict(Dispute.objects.values_list("pk", "staff_waiting_since")) == before
    assert before[found["answered"].pk] == InfoRequest.objects.get(dispute=found["answered"]).answered_at
    assert before[found["forfeited"].pk] == InfoRequest.objects.get(dispute=found["forfeited"]).due_at
    assert before[found["quiet"].pk] is None
    assert clock.now() - before[found["escalated"].pk] < timedelta(days=30)


def test_a_case_escalated_without_the_stored_time_waits_from_its_escalation(preset, make_user, tclock):
    """A process of the release before the field (running while `parley deploy` migrates)
    escalates without storing it: the queue still shows the case, due from its escalation."""
    found = cases(make_user, tclock)
    Dispute.objects.filter(pk=found["escalated"].pk).update(staff_waiting_since=None, decision_due_at=None)
    staff = make_user("desk", staff=True)

    items = {item.ref: item for item in inbox.page(inbox.Filters(viewer=staff), now=clock.now()).items}

    shown = items[found["escalated"].public_id]
    assert shown.due_at == shown.waiting_since == found["escalated"].escalated_at
    assert shown.waiting
