"""`notify` writes its rows in bulk: two inserts however many people it tells."""

from __future__ import annotations

from core import clock
from notifications.actions import notify
from notifications.models import Notification, OutboundEmail


def test_notifying_several_people_costs_one_insert_for_the_notes_and_one_for_their_emails(
    make_user, django_assert_num_queries
):
    people = [make_user(f"person{i}") for i in range(4)]
    silent = make_user("silent")
    silent.email = ""
    silent.save(update_fields=["email"])

    with clock.one_reading():
        clock.now()  # the reading, so only the inserts are counted
        with django_assert_num_queries(2):
            created = notify(users=[*people, people[0], silent], code="test.bulk", title="Hello", link="/x")

    assert [n.user for n in created] == [*people, silent]  # once each, in the order given
    assert all(n.pk and n.public_id.startswith("ntf_") for n in created)
    emails = OutboundEmail.objects.filter(notification__code="test.bulk")
    assert sorted(e.to for e in emails) == sorted(p.email for p in people)
    assert {e.notification.user for e in emails} == set(people)
    assert Notification.objects.filter(code="test.bulk").count() == 5
