"""The one source of time: `now()` (aware UTC).

In production it is the system clock. With `PARLEY_TEST_CLOCK` on, a row in the database
shifts it (or freezes it) for every process at once — web servers, workers and tests — the way
payment platforms offer test clocks. Moving that clock forward is `set_test_time()`; running
what fell due is the deadline engine's job (`ops.deadlines.advance`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction

from core.errors import NotFound
from core.models import TestClock


def system_now() -> datetime:
    return datetime.now(UTC)


def now() -> datetime:
    if not settings.TEST_CLOCK_ENABLED:
        return system_now()
    state = TestClock.current()
    if state.frozen_at is not None:
        return state.frozen_at
    return system_now() + timedelta(microseconds=state.offset_us)


def require_test_clock() -> None:
    if not settings.TEST_CLOCK_ENABLED:
        raise NotFound("The test clock is switched off on this deployment.")


def set_test_time(when: datetime) -> datetime:
    """Moves the test clock to `when` (never backwards) and returns the new time.

    Runs in its own transaction (or the caller's): the row lock must be held from the read to
    the write, and PostgreSQL refuses `SELECT ... FOR UPDATE` outside a transaction."""
    require_test_clock()
    with transaction.atomic():
        state = TestClock.current(for_update=True)
        current = (
            state.frozen_at if state.frozen_at is not None else system_now() + timedelta(microseconds=state.offset_us)
        )
        if when <= current:
            return current
        if state.frozen_at is not None:
            state.frozen_at = when
        else:
            state.offset_us = int((when - system_now()) / timedelta(microseconds=1))
        state.save()
    return when


def freeze_test_clock(at: datetime | None = None) -> datetime:
    """Stops the test clock at `at` (default: its current time). Tests use it for exact boundaries."""
    require_test_clock()
    with transaction.atomic():
        state = TestClock.current(for_update=True)
        state.frozen_at = at or now()
        state.save()
    return state.frozen_at
