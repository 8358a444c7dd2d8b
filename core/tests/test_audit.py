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


def test_several_events_of_a_subject_are_one_insert_in_order_and_each_subscriber_hears_them_its_way(make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import AuditEvent

    user = make_user()
    one_by_one, together = [], []

    def single(event, subject):
        one_by_one.append(event.code)

    def plural(events, subject):
        together.append([event.code for event in events])

    audit.subscribe(single)
    audit.subscribe(plural, many=plural)
    try:
        with CaptureQueriesContext(connection) as captured:
            written = audit.record_many(
                user,
                [
                    audit.Entry("test.first", by=SystemActor("test"), role="system"),
                    audit.Entry("test.second", by=user, role="user", data={"n": 2}),
                ],
            )
    finally:
        audit.unsubscribe(single)
        audit.unsubscribe(plural)

    inserts = [q["sql"] for q in captured.captured_queries if 'INSERT INTO "core_auditevent"' in q["sql"]]
    assert len(inserts) == 1
    assert one_by_one == ["test.first", "test.second"] and together == [["test.first", "test.second"]]
    stored = list(AuditEvent.objects.filter(pk__in=[e.pk for e in written]).order_by("pk"))
    assert [(e.code, e.actor_id, e.actor_role, e.rule, e.data) for e in stored] == [
        ("test.first", None, "system", "test", {}),
        ("test.second", user.pk, "user", "", {"n": 2}),
    ]
    assert stored[0].created_at <= stored[1].created_at
