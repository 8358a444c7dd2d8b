"""Deadlines are rows stored with their case; the domain registers what each kind does.

A handler receives the locked deadline row inside the worker's transaction, in a savepoint of
its own (rolled back if the handler raises), and applies the effect through the same action a
person would use. It returns a short outcome, or raises a
`DomainError` when the case has moved on (the deadline is then marked moot). Running it, its
effect and marking it done commit together, which is what makes a deadline fire exactly once.
The worker itself lives in `ops.deadlines`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from django.db import models
from django.db.models import Q

from core import clock
from core.audit import case_id_of, subject_type_of
from core.models import Deadline

Handler = Callable[[Deadline], str]
_HANDLERS: dict[str, Handler] = {}


def handles(kind: str) -> Callable[[Handler], Handler]:
    """Registers the decorated function as the handler of deadlines of `kind`."""

    def register(fn: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not fn:
            raise RuntimeError(f"two handlers for deadline kind {kind!r}")
        _HANDLERS[kind] = fn
        return fn

    return register


def handler_for(kind: str) -> Handler:
    return _HANDLERS[kind]


def registered_kinds() -> frozenset[str]:
    return frozenset(_HANDLERS)


def schedule(*, kind: str, due_at: datetime, subject: models.Model, party: str = "") -> Deadline:
    """Stores a deadline for `subject` in the caller's transaction."""
    return schedule_many(subject, [(kind, due_at, party)])[0]


def schedule_many(subject: models.Model, wanted: Iterable[tuple[str, datetime, str]]) -> list[Deadline]:
    """Stores deadlines for `subject` (each as kind, due at, party) in the caller's transaction,
    in one INSERT."""
    rows = []
    for kind, due_at, party in wanted:
        if kind not in _HANDLERS:
            raise KeyError(f"no handler registered for deadline kind {kind!r}")
        rows.append(
            Deadline(
                kind=kind,
                due_at=due_at,
                subject_type=subject_type_of(subject),
                subject_id=subject.pk,
                case_id=case_id_of(subject),
                party=party,
                created_at=clock.now(),
            )
        )
    return Deadline.objects.bulk_create(rows) if rows else []


# A moment has come once the clock reaches it: a deadline at 12:00 is due at 12:00 sharp, and a
# target at 12:00 is breached from 12:00 on. Written once, read both ways below.


def passed(field: str, now: datetime) -> Q:
    """The database's side of `has_passed`: the moment stored in `field` has come by `now`."""
    return Q(**{f"{field}__lte": now})


def has_passed(at: datetime | None, now: datetime) -> bool:
    """Has the moment `at` come by `now`? No moment (no target) never passes."""
    return at is not None and at <= now


def due(now: datetime) -> Q:
    """Deadlines a worker would apply at `now`: pending, due, and not waiting to retry."""
    return (
        Q(status=Deadline.Status.PENDING) & passed("due_at", now) & (Q(retry_at__isnull=True) | passed("retry_at", now))
    )


def is_due(deadline: Deadline, now: datetime) -> bool:
    """`due()` for a row already read: would a worker apply it at `now`?"""
    return (
        deadline.status == Deadline.Status.PENDING
        and has_passed(deadline.due_at, now)
        and (deadline.retry_at is None or has_passed(deadline.retry_at, now))
    )


def pending(*, subject: models.Model, kind: str, due_by: datetime) -> bool:
    """Is a deadline of this kind for the subject due by then and not applied yet?"""
    return Deadline.objects.filter(
        due(due_by), subject_type=subject_type_of(subject), subject_id=subject.pk, kind=kind
    ).exists()


def cancel(*, subject: models.Model, kinds: Iterable[str] | None = None, reason: str = "") -> int:
    """Withdraws the subject's pending deadlines (all, or only these kinds).

    Skips a deadline a worker is applying right now instead of waiting for it (that would
    invert the lock order, see `ops.deadlines`); its handler will find the case moved on."""
    qs = Deadline.objects.filter(
        subject_type=subject_type_of(subject), subject_id=subject.pk, status=Deadline.Status.PENDING
    )
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    # One statement: the rows are claimed (FOR UPDATE SKIP LOCKED) by the subquery and updated.
    claimable = qs.select_for_update(skip_locked=True).values("id")
    return Deadline.objects.filter(id__in=claimable).update(
        status=Deadline.Status.CANCELLED, outcome=reason[:200], fired_at=clock.now()
    )
