"""The return's and the redelivery's steps are data (`Dispute.step`): entered when a return or a
redelivery is agreed or decided, moved on by the party's step, left by escalating or resolving,
read by the verdicts and the "waiting on" flags, and kept beside their status by the database."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from disputes import actions, states
from disputes.models import Dispute
from disputes.tests.support import refresh
from disputes.verdicts import verdict
from testsupport import factories


def test_a_return_goes_through_its_steps_to_none(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="return_and_refund", reason="defective")

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    assert (refresh(dispute).status, refresh(dispute).step) == ("awaiting_return", "return_shipping")
    actions.mark_returned(dispute_id=dispute.pk, by=buyer)
    assert refresh(dispute).step == "return_receiving"
    actions.confirm_return(dispute_id=dispute.pk, by=seller)
    assert (refresh(dispute).status, refresh(dispute).step) == ("resolved", "")


def test_a_redelivery_goes_through_its_steps_to_none(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement", reason="defective")

    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    assert (refresh(dispute).status, refresh(dispute).step) == ("awaiting_redelivery", "redelivering")
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="NEW-KEY")
    assert refresh(dispute).step == "redelivery_confirming"
    actions.confirm_redelivery(dispute_id=dispute.pk, by=buyer)
    assert (refresh(dispute).status, refresh(dispute).step) == ("resolved", "")


def test_escalating_leaves_the_step(order, people, tclock):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement", reason="defective")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    actions.redeliver(dispute_id=dispute.pk, by=seller)

    actions.escalate(dispute_id=dispute.pk, by=buyer)  # the buyer disputes the new delivery

    assert (refresh(dispute).status, refresh(dispute).step) == ("escalated", "")


def test_a_missed_step_escalates_and_leaves_it(order, people, tclock):
    _, seller, _ = people
    dispute = factories.open_dispute(order, kind="return_and_refund", reason="defective")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)

    tclock.advance(days=4)  # past return_ship_due

    assert (refresh(dispute).status, refresh(dispute).step) == ("escalated", "")


def test_the_verdicts_and_the_flags_read_the_step_not_the_times(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="return_and_refund", reason="defective")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    # The step says the buyer sent it, though no time was stamped: the step is what counts.
    # (Only in memory: the database refuses such a row, see the test of the times below.)
    dispute = refresh(dispute)
    dispute.step = "return_receiving"

    assert not verdict(dispute, "mark_returned", by=buyer, now=dispute.opened_at).allowed
    assert verdict(dispute, "confirm_return", by=seller, now=dispute.opened_at).allowed


@pytest.mark.parametrize(
    ("status", "step"),
    [
        ("negotiating", "return_shipping"),
        ("awaiting_return", ""),
        ("awaiting_return", "redelivering"),
        ("awaiting_redelivery", "return_receiving"),
        ("resolved", "redelivery_confirming"),
    ],
)
def test_the_database_keeps_a_step_beside_its_status(order, status, step):
    dispute = factories.open_dispute(order, kind="full_refund")
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(status=status, step=step)


@pytest.mark.parametrize(
    ("status", "step", "times"),
    [
        ("awaiting_return", "return_shipping", {"return_shipped_at": True}),
        ("awaiting_return", "return_receiving", {"return_shipped_at": False}),
        ("awaiting_redelivery", "redelivering", {"redelivered_at": True}),
        ("awaiting_redelivery", "redelivery_confirming", {"redelivered_at": False}),
    ],
)
def test_the_database_keeps_a_step_in_line_with_its_times(order, status, step, times):
    # What the code of the release before steps would leave while `parley deploy` runs: the
    # time moved and the step not. It fails loudly instead of leaving a case nobody can finish.
    dispute = factories.open_dispute(order, kind="full_refund")
    values = {name: (dispute.opened_at if present else None) for name, present in times.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        Dispute.objects.filter(pk=dispute.pk).update(status=status, step=step, **values)


def test_a_dispute_inserted_without_its_step_has_none(order):
    # Processes of the release before steps insert disputes without naming the column.
    dispute = factories.open_dispute(order, kind="full_refund")
    table = Dispute._meta.db_table
    columns = [
        f.column for f in Dispute._meta.concrete_fields if f.name not in ("id", "step") and f.column != "public_id"
    ]
    with connection.cursor() as cursor:
        listed = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.execute(f"SELECT {listed} FROM {table} WHERE id = %s", [dispute.pk])
        row = cursor.fetchone()
        Dispute.objects.filter(pk=dispute.pk).update(status="resolved", resolved_at=dispute.opened_at)
        cursor.execute(
            f"INSERT INTO {table} (public_id, {listed}) VALUES (%s, {', '.join(['%s'] * len(columns))})",
            ["dsp_inserted_by_old_code", *row],
        )
    assert Dispute.objects.get(public_id="dsp_inserted_by_old_code").step == ""


def test_the_model_and_the_table_name_the_same_steps():
    assert set(Dispute.Step.values) == {states.NO_STEP, *states.STEP_STATUS}
    assert set(states.STEP_STATUS.values()) == {"awaiting_return", "awaiting_redelivery"}


# The lifecycle steps that start or end a return or a redelivery, and the status they lead to.
LIFECYCLE = {"enter_return": "awaiting_return", "enter_redelivery": "awaiting_redelivery", "resolve": "resolved"}


def status_of(step: str) -> set[str]:
    """The statuses a step may stand beside (no step: any status without steps)."""
    if step == states.NO_STEP:
        return set(Dispute.Status.values) - set(states.STEP_STATUS.values())
    return {states.STEP_STATUS[step]}


@pytest.mark.parametrize("change", sorted(states.STEP_TRANSITIONS))
def test_the_step_table_agrees_with_the_status_table(change):
    """Each step change runs from steps of its action's source statuses to steps of its target."""
    rule = states.STEP_TRANSITIONS[change]
    transition = states.TRANSITIONS.get(change)
    sources = transition.sources if transition else set(Dispute.Status.values)
    target = transition.target if transition else LIFECYCLE[change]
    for step in rule.sources:
        assert status_of(step) & sources, f"{change} from {step}"
    assert target is None or target in status_of(rule.target), f"{change} to {rule.target}"


@given(walk=st.lists(st.sampled_from(sorted(states.STEP_TRANSITIONS)), max_size=20))
def test_every_walk_through_the_step_table_lands_beside_a_status(walk):
    """A random walk through both tables at once, as the actions take them: each change the
    step table allows, in a status the status table allows it in, ends on a step of its status."""
    status, step = "negotiating", states.NO_STEP
    for change in walk:
        rule, transition = states.STEP_TRANSITIONS[change], states.TRANSITIONS.get(change)
        if step not in rule.sources or (transition and status not in transition.sources):
            continue
        step = rule.target
        status = (transition.target if transition else None) or LIFECYCLE.get(change) or status
        if status == "resolved":
            status, step = "negotiating", states.NO_STEP  # the next case
        assert status in status_of(step), f"{change}: {status} beside {step!r}"


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_open_case_the_step_its_times_showed(preset, people, tclock):
    """Cases at each step, the field taken away (back to 0006) and brought back: 0007 fills it
    from the times the steps stamped, and 0008's constraint then holds."""
    buyer, seller, _ = people
    steps = {}
    for kind, moves in (
        ("return_and_refund", []),
        ("return_and_refund", [actions.mark_returned]),
        ("replacement", []),
        ("replacement", [actions.redeliver]),
        ("full_refund", None),
    ):
        order = factories.delivered_order(buyer, seller, price=100_00)
        tclock.advance(minutes=15)
        dispute = factories.open_dispute(order, kind=kind, reason="defective")
        if moves is not None:
            actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
            for move in moves:
                move(dispute_id=dispute.pk, by=buyer if move is actions.mark_returned else seller)
        steps[dispute.pk] = refresh(dispute).step
    assert sorted(steps.values()) == [
        "",
        "redelivering",
        "redelivery_confirming",
        "return_receiving",
        "return_shipping",
    ]

    try:
        call_command("migrate", "disputes", "0006", verbosity=0)
    finally:
        call_command("migrate", "disputes", verbosity=0)

    assert dict(Dispute.objects.values_list("pk", "step")) == steps
