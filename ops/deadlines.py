"""Applying deadlines: one at a time, each in its own transaction, exactly once.

`run_one()` claims the earliest due deadline (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several workers never take the same row; SQLite serialises writers anyway), runs its handler
and marks it, all in one transaction. A crash before the commit leaves the deadline pending for
the next worker; after the commit it cannot run again.

Lock order: a worker holds the deadline row, then the handler locks the case. Domain actions
lock the case first and withdraw deadlines with `SKIP LOCKED` (`core.deadlines.cancel`), so
they never wait on a deadline a worker holds; that worker then finds the case moved on.
"""

from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from core import clock, requestid
from core.deadlines import due, handler_for
from core.errors import DomainError
from core.models import Deadline

logger = logging.getLogger("parley.deadlines")
MAX_ATTEMPTS = 5
MAX_ADVANCE_SECONDS = 5 * 366 * 86400  # the test clock moves at most five years at a time


@dataclass(frozen=True, slots=True)
class AdvanceResult:
    now: datetime
    ran: int


def run_one() -> Deadline | None:
    """Applies the earliest due deadline no other worker holds; None when there is none."""
    with transaction.atomic():
        now = clock.now()
        deadline = (
            Deadline.objects.select_for_update(skip_locked=True).filter(due(now)).order_by("due_at", "id").first()
        )
        if deadline is None:
            return None
        _apply(deadline, now)
        _maybe_crash("before_commit")
    return deadline


def _apply(deadline: Deadline, now: datetime) -> None:
    with requestid.bound(deadline.request_id):
        _apply_bound(deadline, now)
        logger.info(
            "deadline applied",
            extra={
                "deadline": deadline.pk,
                "kind": deadline.kind,
                "status": deadline.status,
                "late_s": _late(deadline, now),
            },
        )


def _late(deadline: Deadline, now: datetime) -> float:
    return round((now - deadline.due_at).total_seconds(), 3)


def _apply_bound(deadline: Deadline, now: datetime) -> None:
    try:
        with transaction.atomic():
            outcome = handler_for(deadline.kind)(deadline)
        deadline.status = Deadline.Status.DONE
        deadline.outcome = outcome[:200]
    except DomainError as exc:
        # The case moved on (confirmed, answered, resolved...): nothing left to do.
        deadline.status = Deadline.Status.MOOT
        deadline.outcome = f"{exc.code}: {exc.detail}"[:200]
    except Exception as exc:
        deadline.attempts += 1
        deadline.last_error = "".join(traceback.format_exception(exc))[-4000:]
        logger.exception("deadline %s (%s) failed, attempt %s", deadline.pk, deadline.kind, deadline.attempts)
        if deadline.attempts >= MAX_ATTEMPTS:
            deadline.status = Deadline.Status.FAILED
        else:
            deadline.retry_at = now + timedelta(seconds=30 * 2**deadline.attempts)
            deadline.save(update_fields=["attempts", "last_error", "retry_at"])
            return
    deadline.fired_at = now
    deadline.save(update_fields=["status", "outcome", "fired_at", "attempts", "last_error"])


def run_due(*, limit: int = 1000) -> int:
    """Applies up to `limit` due deadlines; returns how many were taken."""
    ran = 0
    while ran < limit and run_one() is not None:
        ran += 1
    return ran


def advance(*, seconds: int, wait_for_others: float = 30.0) -> AdvanceResult:
    """Moves the test clock forward by `seconds`, stopping at each deadline on the way to apply
    it at its own time, so chains of deadlines unfold in the order real time would give."""
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


def _maybe_crash(point: str) -> None:
    """Test hook: `PARLEY_CRASH_AT=before_commit:3` kills the process inside the third
    deadline's transaction, after its effect and before its commit."""
    spec = os.environ.get("PARLEY_CRASH_AT", "")
    if not spec.startswith(point + ":"):
        return
    remaining = int(spec.split(":", 1)[1]) - 1
    os.environ["PARLEY_CRASH_AT"] = f"{point}:{remaining}"
    if remaining <= 0:
        os._exit(137)
