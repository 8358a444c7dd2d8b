"""The deadline engine: a deadline takes effect exactly once, at its own time, through the
handler registered for its kind; a case that moved on makes it moot; a handler that keeps
failing is retried with back-off and then left for an operator."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import audit, clock, deadlines, spans
from core.actors import SystemActor
from core.errors import Conflict
from core.models import AuditEvent, Deadline
from ledger import queries as ledger
from ledger.models import Transaction
from notifications.models import Notification
from ops import deadlines as engine
from orders import actions
from orders.models import Order
from testsupport import factories

# Handlers that exist only for these tests; their kinds cannot clash with the domain's.
calls: list[tuple[str, int, object]] = []


@deadlines.handles("test.boom")
def _boom(deadline: Deadline) -> str:
    calls.append(("boom", deadline.pk, clock.now()))
    audit.record("test.boom_effect", subject=_order(deadline), by=SystemActor("test"), role="system")
    raise RuntimeError("the handler broke")


@deadlines.handles("test.moot")
def _moot(deadline: Deadline) -> str:
    audit.record("test.moot_effect", subject=_order(deadline), by=SystemActor("test"), role="system")
    raise Conflict("The case moved on.", code="moved_on")


@deadlines.handles("test.first")
def _first(deadline: Deadline) -> str:
    calls.append(("first", deadline.pk, clock.now()))
    deadlines.schedule(kind="test.then", due_at=clock.now() + timedelta(hours=1), subject=_order(deadline))
    return "scheduled the next one"


@deadlines.handles("test.then")
def _then(deadline: Deadline) -> str:
    calls.append(("then", deadline.pk, clock.now()))
    return "done"


@deadlines.handles("test.between")
def _between(deadline: Deadline) -> str:
    calls.append(("between", deadline.pk, clock.now()))
    return "done"


@deadlines.handles("test.remembers")
def _remembers(deadline: Deadline) -> str:
    calls.append(("remembers", deadline.pk, spans.remembered("test.row")))
    spans.remember("test.row", deadline.pk)
    if deadline.party == "fails":
        raise RuntimeError("the handler broke after remembering")
    return "done"


def _order(deadline: Deadline) -> Order:
    return Order.objects.get(pk=deadline.subject_id)


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()
    yield
    calls.clear()


@pytest.fixture
def people(make_user):
    return make_user("buyer"), make_user("seller")


@pytest.fixture
def order(people):
    """A paid order whose own timers (delivery due, auto-cancel) are withdrawn, so the engine
    runs only the test's deadlines."""
    placed = factories.paid_order(*people)
    deadlines.cancel(subject=placed, reason="the test schedules its own")
    return placed


def _auto_complete_of(order: Order) -> Deadline:
    return Deadline.objects.get(kind=actions.AUTO_COMPLETE, subject_type="order", subject_id=order.pk)


def test_a_deadline_takes_effect_at_its_due_time_not_a_second_before_and_only_once(people):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller, price=50_00)
    deadline = _auto_complete_of(order)
    due = order.delivered_at + timedelta(hours=72)
    assert deadline.due_at == due and deadline.party == "buyer"

    clock.set_test_time(due - timedelta(seconds=1))
    engine.run_due()  # the 60 h reminder runs; the completion must not

    deadline.refresh_from_db()
    order.refresh_from_db()
    assert (deadline.status, order.status) == (Deadline.Status.PENDING, Order.Status.DELIVERED)
    assert not Transaction.objects.filter(order=order, kind=Transaction.Kind.ORDER_SETTLED).exists()

    clock.set_test_time(due)
    assert engine.run_one() == deadline
    deadline.refresh_from_db()
    order.refresh_from_db()
    assert deadline.status == Deadline.Status.DONE
    assert deadline.fired_at == due
    assert deadline.outcome == f"order {order.public_id} completed"
    assert (order.status, order.completed_at) == (Order.Status.COMPLETED, due)

    clock.set_test_time(due + timedelta(days=30))
    assert engine.run_due() == 0
    assert engine.run_one() is None
    assert Transaction.objects.filter(order=order, kind=Transaction.Kind.ORDER_SETTLED).count() == 1
    assert AuditEvent.objects.filter(case_id=order.pk, code="order.auto_completed").count() == 1
    assert Notification.objects.filter(code="order.auto_completed").count() == 2  # buyer and seller
    assert ledger.wallet_balance(seller, "USD").amount == 50_00


def test_the_earliest_due_deadline_runs_first(order):
    now = clock.now()
    later = deadlines.schedule(kind="test.then", due_at=now - timedelta(minutes=1), subject=order)
    earlier = deadlines.schedule(kind="test.between", due_at=now - timedelta(minutes=5), subject=order)
    assert engine.run_one() == earlier
    assert engine.run_one() == later
    assert [c[0] for c in calls] == ["between", "then"]


def test_a_deadline_whose_case_moved_on_is_moot_and_its_partial_effect_undone(order):
    deadline = deadlines.schedule(kind="test.moot", due_at=clock.now(), subject=order)

    assert engine.run_due() == 1

    deadline.refresh_from_db()
    assert deadline.status == Deadline.Status.MOOT
    assert deadline.outcome == "moved_on: The case moved on."
    assert deadline.fired_at == clock.now()
    assert not AuditEvent.objects.filter(code="test.moot_effect").exists()
    assert engine.run_due() == 0


def test_a_confirmed_order_is_not_completed_again_when_the_window_ends(people, tclock):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller)
    actions.confirm(order_id=order.pk, by=buyer)

    tclock.advance(days=4)

    assert _auto_complete_of(order).status == Deadline.Status.CANCELLED
    assert Transaction.objects.filter(order=order, kind=Transaction.Kind.ORDER_SETTLED).count() == 1
    assert not AuditEvent.objects.filter(code="order.auto_completed").exists()


def test_an_unexpected_failure_is_retried_with_back_off_then_marked_failed(order):
    start = clock.now()
    deadline = deadlines.schedule(kind="test.boom", due_at=start, subject=order)
    retry_at = start
    for attempt in range(1, engine.MAX_ATTEMPTS):
        clock.set_test_time(retry_at)
        assert engine.run_one() == deadline
        deadline.refresh_from_db()
        assert (deadline.status, deadline.attempts) == (Deadline.Status.PENDING, attempt)
        assert "RuntimeError: the handler broke" in deadline.last_error
        assert deadline.retry_at == retry_at + timedelta(seconds=30 * 2**attempt)
        retry_at = deadline.retry_at
        clock.set_test_time(retry_at - timedelta(seconds=1))
        assert engine.run_one() is None  # not before its retry time

    clock.set_test_time(retry_at)
    engine.run_one()

    deadline.refresh_from_db()
    assert (deadline.status, deadline.attempts) == (Deadline.Status.FAILED, engine.MAX_ATTEMPTS)
    assert deadline.fired_at == retry_at
    assert len(calls) == engine.MAX_ATTEMPTS
    assert not AuditEvent.objects.filter(code="test.boom_effect").exists()  # every try rolled back
    clock.set_test_time(retry_at + timedelta(days=365))
    assert engine.run_one() is None


def test_advance_retries_at_each_back_off_time_then_gives_up(order, tclock):
    start = clock.now()
    deadlines.schedule(kind="test.boom", due_at=start + timedelta(minutes=1), subject=order)

    tclock.advance(hours=1)

    tried_at = [at for _, _, at in calls]
    expected, at = [], start + timedelta(minutes=1)
    for attempt in range(1, engine.MAX_ATTEMPTS + 1):
        expected.append(at)
        at += timedelta(seconds=30 * 2**attempt)
    assert tried_at == expected
    assert Deadline.objects.get(kind="test.boom").status == Deadline.Status.FAILED


def test_advance_applies_chains_in_the_order_real_time_would(order, tclock):
    start = clock.now()
    deadlines.schedule(kind="test.first", due_at=start + timedelta(hours=1), subject=order)
    deadlines.schedule(kind="test.between", due_at=start + timedelta(hours=1, minutes=30), subject=order)

    result = engine.advance(seconds=3 * 3600)

    assert [(name, at - start) for name, _, at in calls] == [
        ("first", timedelta(hours=1)),
        ("between", timedelta(hours=1, minutes=30)),
        ("then", timedelta(hours=2)),  # scheduled by "first", an hour after it ran
    ]
    assert result.ran == 3
    assert result.now == start + timedelta(hours=3) == clock.now()
    assert not Deadline.objects.filter(status=Deadline.Status.PENDING, kind__startswith="test.").exists()


def test_the_guarantee_reminder_comes_before_the_completion(people, tclock):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller)

    tclock.advance(days=5)

    fired = dict(Deadline.objects.filter(subject_id=order.pk).values_list("kind", "fired_at"))
    assert fired[actions.GUARANTEE_REMINDER] == order.delivered_at + timedelta(hours=60)
    assert fired[actions.AUTO_COMPLETE] == order.delivered_at + timedelta(hours=72)
    reminded = Notification.objects.get(user=buyer, code="order.guarantee_ending")
    completed = Notification.objects.get(user=buyer, code="order.auto_completed")
    assert reminded.created_at < completed.created_at


def test_scheduling_a_kind_nobody_handles_is_a_programming_error(order):
    with pytest.raises(KeyError):
        deadlines.schedule(kind="test.nobody", due_at=clock.now(), subject=order)


def test_two_handlers_for_one_kind_are_refused():
    with pytest.raises(RuntimeError, match="two handlers"):
        deadlines.handles("test.then")(lambda deadline: "another")


def test_a_batch_applies_each_deadline_in_its_own_savepoint_and_commits_them_together(order):
    now = clock.now()
    boom = deadlines.schedule(kind="test.boom", due_at=now - timedelta(minutes=3), subject=order)
    moot = deadlines.schedule(kind="test.moot", due_at=now - timedelta(minutes=2), subject=order)
    fine = deadlines.schedule(kind="test.between", due_at=now - timedelta(minutes=1), subject=order)

    batch = engine.run_batch()

    assert [d.pk for d in batch.applied] == [boom.pk, moot.pk, fine.pk] and batch.deferred == 0
    boom.refresh_from_db()
    moot.refresh_from_db()
    fine.refresh_from_db()
    # The failing handler's effect is rolled back to its savepoint; the others keep theirs.
    assert (boom.status, boom.attempts) == (Deadline.Status.PENDING, 1)
    assert not AuditEvent.objects.filter(code__in=["test.boom_effect", "test.moot_effect"]).exists()
    assert moot.status == Deadline.Status.MOOT
    assert (fine.status, fine.outcome, fine.fired_at) == (Deadline.Status.DONE, "done", now)
    assert [c[0] for c in calls] == ["boom", "between"]
    assert engine.run_batch().claimed == 0  # the failed one waits for its retry time


def test_a_batch_takes_at_most_its_size_earliest_first(order):
    now = clock.now()
    made = [deadlines.schedule(kind="test.between", due_at=now - timedelta(minutes=i), subject=order) for i in range(5)]
    first = engine.run_batch(limit=3)
    assert [d.pk for d in first.applied] == [d.pk for d in reversed(made)][:3]
    assert engine.run_due(limit=10) == 2
    assert Deadline.objects.filter(status=Deadline.Status.DONE).count() == 5


def test_withdrawing_a_subjects_deadlines_is_one_statement_and_touches_only_its_pending_ones(people):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    placed, other = factories.paid_order(*people), factories.paid_order(*people)
    kept = Deadline.objects.filter(subject_type="order", subject_id=placed.pk).first()
    assert kept is not None
    kept.status, kept.outcome = Deadline.Status.DONE, "ran before"
    kept.save(update_fields=["status", "outcome"])
    pending = set(
        Deadline.objects.filter(subject_id=placed.pk, status=Deadline.Status.PENDING).values_list("pk", flat=True)
    )
    assert pending

    with CaptureQueriesContext(connection) as captured:
        withdrawn = deadlines.cancel(subject=placed, reason="order cancelled")

    assert withdrawn == len(pending)
    statements = [q["sql"] for q in captured.captured_queries if "core_testclock" not in q["sql"]]
    assert len(statements) == 1, statements
    rows = Deadline.objects.filter(subject_id=placed.pk, subject_type="order")
    assert {d.pk: (d.status, d.outcome) for d in rows} == {
        kept.pk: (Deadline.Status.DONE, "ran before"),
        **dict.fromkeys(pending, (Deadline.Status.CANCELLED, "order cancelled")),
    }
    assert set(Deadline.objects.filter(subject_id=other.pk).values_list("status", flat=True)) == {
        Deadline.Status.PENDING
    }


def test_what_a_batch_remembers_lasts_the_batch_and_is_forgotten_when_a_savepoint_rolls_back(order):
    now = clock.now()
    for minutes, party in ((5, ""), (4, ""), (3, "fails"), (2, ""), (1, "")):
        deadlines.schedule(kind="test.remembers", due_at=now - timedelta(minutes=minutes), subject=order, party=party)
    made = list(Deadline.objects.filter(kind="test.remembers").order_by("due_at").values_list("pk", flat=True))

    engine.run_batch()

    # Each handler sees what the one before it remembered, except after the failed one's
    # savepoint rolled back: then nothing, and the row is read afresh.
    assert [c[2] for c in calls] == [None, made[0], made[1], None, made[3]]
    assert spans.remembered("test.row") is None  # nothing outlives the batch
    clock.set_test_time(now + timedelta(minutes=2))  # the failed one's retry: a batch of its own
    assert engine.run_batch().claimed == 1
    assert calls[-1][2] is None
