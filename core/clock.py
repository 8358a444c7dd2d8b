"""The one source of time: `now()` (aware UTC).

In production it is the system clock. With `PARLEY_TEST_CLOCK` on, a row in the database
shifts it (or freezes it) for every process at once — web servers, workers and tests — the way
payment platforms offer test clocks. Moving that clock forward is `set_test_time()`; running
what fell due is the deadline engine's job (`ops.deadlines.advance`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import NotFound
from core.models import TestClock


def system_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class _Reading:
    """The test clock's row as read once: its offset, or the instant it is frozen at."""

    offset_us: int = 0
    frozen_at: datetime | None = None
    read: bool = False


_reading: ContextVar[_Reading | None] = ContextVar("parley_test_clock_reading", default=None)


def now() -> datetime:
    if not settings.TEST_CLOCK_ENABLED:
        return system_now()
    reading = _reading.get()
    if reading is None:
        state = TestClock.current()
        offset_us, frozen_at = state.offset_us, state.frozen_at
    else:
        if not reading.read:
            state = TestClock.current()
            reading.offset_us, reading.frozen_at, reading.read = state.offset_us, state.frozen_at, True
        offset_us, frozen_at = reading.offset_us, reading.frozen_at
    if frozen_at is not None:
        return frozen_at
    return system_now() + timedelta(microseconds=offset_us)


@contextmanager
def one_reading() -> Iterator[None]:
    """Inside, the test clock's row is read once, at the first `now()`; time then runs on from
    that reading (a frozen clock stays frozen), and moving the clock here updates it. A request
    or a batch of deadlines is one such span: it sees one test clock, not one per call, and
    does not pay a query per reading. Without the test clock it changes nothing."""
    token = _reading.set(_Reading())
    try:
        yield
    finally:
        _reading.reset(token)


def _remember(state: TestClock) -> None:
    reading = _reading.get()
    if reading is not None:
        reading.offset_us, reading.frozen_at, reading.read = state.offset_us, state.frozen_at, True


def require_test_clock() -> None:
    if not settings.TEST_CLOCK_ENABLED:
        raise NotFound(_("The test clock is switched off on this deployment."))


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
            _remember(state)
            return current
        if state.frozen_at is not None:
            state.frozen_at = when
        else:
            state.offset_us = int((when - system_now()) / timedelta(microseconds=1))
        state.save()
    _remember(state)
    return when


def freeze_test_clock(at: datetime | None = None) -> datetime:
    """Stops the test clock at `at` (default: its current time). Tests use it for exact boundaries."""
    require_test_clock()
    with transaction.atomic():
        state = TestClock.current(for_update=True)
        state.frozen_at = at or now()
        state.save()
    _remember(state)
    return state.frozen_at
