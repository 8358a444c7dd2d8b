""" "Is it due" and "has it passed" are defined once (`core.deadlines`) and read both ways: as a
condition the database evaluates over many rows, and as a test of a row already read. The two
sides must agree to the microsecond, the instant itself included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import deadlines
from core.models import Deadline

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
OFFSETS = st.sampled_from([-3600, -1, 0, 1, 3600]).map(lambda s: timedelta(seconds=s)) | st.integers(
    min_value=-(10**6), max_value=10**6
).map(lambda us: timedelta(microseconds=us))
ROWS = st.lists(
    st.tuples(OFFSETS, st.none() | OFFSETS, st.sampled_from(Deadline.Status.values)), min_size=1, max_size=6
)


def _store(rows: list[tuple[timedelta, timedelta | None, str]]) -> list[Deadline]:
    return [
        Deadline.objects.create(
            kind="test.kind",
            due_at=T0 + due,
            retry_at=None if retry is None else T0 + retry,
            status=status,
            subject_type="test",
            subject_id=1,
            created_at=T0,
        )
        for due, retry, status in rows
    ]


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, now=OFFSETS)
def test_the_database_and_python_agree_on_what_is_due_and_what_has_passed(rows, now):
    with transaction.atomic():
        stored = _store(rows)
        at = T0 + now
        by_sql = set(Deadline.objects.filter(deadlines.due(at)).values_list("pk", flat=True))
        assert by_sql == {d.pk for d in stored if deadlines.is_due(d, at)}
        passed = set(Deadline.objects.filter(deadlines.passed("due_at", at)).values_list("pk", flat=True))
        assert passed == {d.pk for d in stored if deadlines.has_passed(d.due_at, at)}
        transaction.set_rollback(True)


def test_a_moment_has_passed_from_that_instant_on():
    assert deadlines.has_passed(T0, T0)
    assert not deadlines.has_passed(T0 + timedelta(microseconds=1), T0)
    assert not deadlines.has_passed(None, T0)  # no target: nothing to pass
