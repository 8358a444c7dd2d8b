"""`core.audit`: subscribers see every event in the transaction that records it."""

from __future__ import annotations

from core import audit
from core.actors import SystemActor


def test_subscribers_are_called_in_order_with_the_event_and_its_subject_once_each(make_user):
    user = make_user()
    calls = []

    def first(event, subject):
        calls.append(("first", event.code, subject))

    def second(event, subject):
        calls.append(("second", event.code, subject))

    for fn in (first, second, first):
        audit.subscribe(fn)
    try:
        event = audit.record("test.happened", subject=user, by=SystemActor("test"), role="system")
    finally:
        audit.unsubscribe(first)
        audit.unsubscribe(second)

    assert calls == [("first", "test.happened", user), ("second", "test.happened", user)]
    assert event.pk is not None
    audit.record("test.again", subject=user, by=SystemActor("test"), role="system")
    assert len(calls) == 2
