"""Applying deadlines: a batch at a time, each deadline in its own savepoint, exactly once.

`run_batch()` claims up to `CLAIM_BATCH` of the earliest due deadlines in one transaction
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never take the same row; SQLite
serialises writers anyway), and for each one runs its handler and marks it inside a savepoint of
that transaction, then commits the batch once. A handler that fails rolls back its own savepoint
only. A crash before the commit leaves the whole batch pending for the next worker; after the
commit none of it can run again. `run_one()` is a batch of one.

Two workers' batches may lock the same wallets in opposite orders (two sellers' payouts, say).
So on PostgreSQL a batch waits at most `LOCK_WAIT` for a row lock; a deadline whose handler
could not get its locks in time (or lost a deadlock) is rolled back to its savepoint and left
pending, untouched, for the next round: it counts as neither done nor an attempt.

Lock order: a worker holds the deadline row, then the handler locks the case. Domain actions
lock the case first and withdraw deadlines with `SKIP LOCKED` (`core.deadlines.cancel`), so
they never wait on a deadline a worker holds; that worker then finds the case moved on.
"""

from __future__ import annotations

import logging
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import OperationalError, transaction
from django.utils.translation import gettext as _

from core import clock, crashpoints, requestid, spans
from core.deadlines import due, handler_for
from core.errors import DomainError, ValidationFailed
from core.models import Deadline

logger = logging.getLogger("parley.deadlines")
MAX_ATTEMPTS = 5
# How far one move of the test clock may go, for the API and the web alike. Zero is a move: it
# runs what is already due and answers the time.
MIN_ADVANCE_SECONDS = 0
MAX_ADVANCE_SECONDS = 5 * 366 * 86400  # the test clock moves at most five years at a time


@dataclass(frozen=True, slots=True)
class AdvanceResult:
    now: datetime
    ran: int


CLAIM_BATCH = 50  # deadlines per transaction: one commit for all, locks held for about as long
LOCK_WAIT = "200ms"  # PostgreSQL lock_timeout inside a batch; see the module's docstring


def run_one() -> Deadline | None:
    """Applies the earliest due deadline no other worker holds; None when there is none."""
    batch = run_batch(limit=1)
    return batch.applied[0] if batch.applied else None


@dataclass(frozen=True, slots=True)
class Batch:
    applied: list[Deadline]  # done, moot, failed or to be retried: each marked
    deferred: int  # claimed, but their locks were held elsewhere: left pending, untouched

    @property
    def claimed(self) -> int:
        return len(self.applied) + self.deferred


def run_batch(*, limit: int = CLAIM_BATCH) -> Batch:
    """Claims up to `limit` due deadlines no other worker holds, earliest first, applies each in
    its own savepoint and commits them together."""
    applied: list[Deadline] = []
    deferred = 0
    with clock.one_reading(), spans.span(), transaction.atomic():
        now = clock.now()
        claimed = list(
            Deadline.objects.select_for_update(skip_locked=True).filter(due(now)).order_by("due_at", "id")[:limit]
        )
        for position, deadline in enumerate(claimed):
            if position == 1:
                _bound_lock_waits()
            if _apply(deadline, now):
                applied.append(deadline)
            else:
                deferred += 1
            crashpoints.reached("before_commit")
    return Batch(applied=applied, deferred=deferred)


def _apply(deadline: Deadline, now: datetime) -> bool:
    """Applies one claimed deadline under the id of the request that scheduled it; False when it
    was left pending untouched because its locks were held elsewhere."""
    with requestid.bound(deadline.request_id):
        applied = _apply_bound(deadline, now)
        if applied:
            logger.info(
                "deadline applied",
                extra={
                    "deadline": deadline.pk,
                    "kind": deadline.kind,
                    "status": deadline.status,
                    "late_s": _late(deadline, now),
                },
            )
        return applied


def _late(deadline: Deadline, now: datetime) -> float:
    return round((now - deadline.due_at).total_seconds(), 3)


def _bound_lock_waits() -> None:
    """From the second deadline of a batch on, the batch holds locks another worker's batch may
    want while it wants theirs: wait for a lock at most LOCK_WAIT. (The first deadline holds
    nothing anyone waits for, so it waits as long as it takes, as a single deadline always did.)"""
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'")


def _lock_contention(exc: BaseException) -> bool:
    """A row lock not granted within LOCK_WAIT, or a deadlock PostgreSQL broke by failing us."""
    cause = exc.__cause__
    return isinstance(exc, OperationalError) and type(cause).__name__ in {"LockNotAvailable", "DeadlockDetected"}


def _apply_bound(deadline: Deadline, now: datetime) -> bool:
    """Runs the deadline's handler in a savepoint and marks the outcome."""
    try:
        outcome = _in_savepoint(deadline)
        deadline.status = Deadline.Status.DONE
        deadline.outcome = outcome[:200]
    except DomainError as exc:
        # The case moved on (confirmed, answered, resolved...): nothing left to do.
        deadline.status = Deadline.Status.MOOT
        deadline.outcome = f"{exc.code}: {exc.detail}"[:200]
    except Exception as exc:
        if _lock_contention(exc):
            logger.info("deadline %s (%s) waits for locks held elsewhere; next round", deadline.pk, deadline.kind)
            return False
        deadline.attempts += 1
        deadline.last_error = "".join(traceback.format_exception(exc))[-4000:]
        logger.exception("deadline %s (%s) failed, attempt %s", deadline.pk, deadline.kind, deadline.attempts)
        if deadline.attempts >= MAX_ATTEMPTS:
            deadline.status = Deadline.Status.FAILED
        else:
            deadline.retry_at = now + timedelta(seconds=30 * 2**deadline.attempts)
            deadline.save(update_fields=["attempts", "last_error", "retry_at"])
            return True
    deadline.fired_at = now
    deadline.save(update_fields=["status", "outcome", "fired_at", "attempts", "last_error"])
    return True


def _in_savepoint(deadline: Deadline) -> str:
    try:
        with transaction.atomic():
            return handler_for(deadline.kind)(deadline)
    except BaseException:
        spans.forget()  # the savepoint rolled back: a row read or written in it may be gone
        raise


def run_due(*, limit: int = 1000) -> int:
    """Applies up to `limit` due deadlines, a batch at a time; returns how many were taken
    (including any left pending for the next round because their locks were busy)."""
    ran = 0
    while ran < limit:
        batch = run_batch(limit=min(CLAIM_BATCH, limit - ran))
        if not batch.claimed:
            break
        ran += batch.claimed
    return ran


def advance(*, seconds: int, wait_for_others: float = 30.0) -> AdvanceResult:
    """Moves the test clock forward by `seconds`, stopping at each deadline on the way to apply
    it at its own time, so chains of deadlines unfold in the order real time would give.
    Refuses a move outside `MIN_ADVANCE_SECONDS`..`MAX_ADVANCE_SECONDS`."""
    if not MIN_ADVANCE_SECONDS <= seconds <= MAX_ADVANCE_SECONDS:
        raise ValidationFailed(_("The clock moves forward by up to five years at a time."))
    target = clock.now() + timedelta(seconds=seconds)
    ran = 0
    give_up_at = time.monotonic() + wait_for_others
    while True:
        upcoming = Deadline.objects.filter(due(target)).order_by("due_at", "id").first()
        if upcoming is None:
            break
        clock.set_test_time(max(upcoming.due_at, upcoming.retry_at or upcoming.due_at))
        if run_one() is not None:
            ran += 1
        elif time.monotonic() > give_up_at:
            break
        else:
            time.sleep(0.05)  # another worker holds it; it will be done in a moment
    return AdvanceResult(now=clock.set_test_time(target), ran=ran)
