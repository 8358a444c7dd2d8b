from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from core.errors import Forbidden
from policy.active import configured_policy
from tickets import actions, queries

TARGET = configured_policy().ticket_first_response_target


@pytest.fixture
def people(make_user):
    return make_user("owner"), make_user("agent", staff=True)


def new_ticket(owner, subject="Help"):
    return actions.open_ticket(by=owner, subject=subject, category="other", body="A question.")


def queue(agent, now, **filters):
    return list(queries.staff_queue(agent, now=now, **filters))


def test_breach_shows_from_the_first_response_target_on(people, tclock):
    """A target at 10:00 is breached at 10:00:00, as a deadline at 10:00 takes effect then
    (decision 0015, `core.deadlines.passed`)."""
    owner, agent = people
    ticket = new_ticket(owner)

    tclock.advance(seconds=TARGET.total_seconds() - 1)
    assert not queue(agent, tclock.now())[0].breached
    assert not queries.breached(ticket, now=tclock.now())

    tclock.advance(seconds=1)
    assert ticket.first_response_due == tclock.now()
    assert queue(agent, tclock.now())[0].breached
    assert queries.breached(ticket, now=tclock.now())
    assert queries.first_response_breached(ticket, now=tclock.now())

    actions.reply(ticket_id=ticket.pk, by=agent, body="Sorry for the wait.")
    ticket.refresh_from_db()
    assert not queries.breached(ticket, now=tclock.now())
    assert not queue(agent, tclock.now())[0].breached


def test_queue_puts_tickets_waiting_for_staff_first_by_target(people, tclock):
    owner, agent = people
    answered = new_ticket(owner, "answered")
    tclock.advance(minutes=5)
    older = new_ticket(owner, "older")
    tclock.advance(minutes=5)
    newer = new_ticket(owner, "newer")
    resolved = new_ticket(owner, "resolved")
    actions.reply(ticket_id=answered.pk, by=agent, body="Answer.")
    actions.resolve(ticket_id=resolved.pk, by=owner)

    assert queue(agent, tclock.now()) == [older, newer, answered]
    assert queue(agent, tclock.now(), status="resolved") == [resolved]


def test_queue_filters_by_assignee_and_category(people, make_user, tclock):
    owner, agent = people
    mine = new_ticket(owner, "mine")
    nobodys = actions.open_ticket(by=owner, subject="nobody's", category="technical", body="Broken.")
    actions.assign(ticket_id=mine.pk, by=agent, assignee_username="agent")

    assert queue(agent, tclock.now(), assignee="me") == [mine]
    assert queue(agent, tclock.now(), assignee="none") == [nobodys]
    assert queue(agent, tclock.now(), assignee="agent") == [mine]
    assert queue(agent, tclock.now(), category="technical") == [nobodys]


def test_only_staff_see_the_queue(people, tclock):
    owner, _ = people
    with pytest.raises(Forbidden):
        queries.staff_queue(owner, now=tclock.now())


def test_deadlines_name_the_auto_close_while_answered(people):
    owner, agent = people
    ticket = new_ticket(owner)
    assert queries.deadlines_of(ticket) == []
    actions.reply(ticket_id=ticket.pk, by=agent, body="Answer.")
    ticket.refresh_from_db()
    [deadline] = queries.deadlines_of(ticket)
    assert deadline.at == ticket.autoclose_at and deadline.party == "owner"


@pytest.mark.parametrize("offset", [-1, 0, 1])
def test_the_queue_and_the_ticket_view_agree_on_a_breach_at_the_boundary(
    people: tuple[User, User], tclock: Any, offset: int
) -> None:
    """The database's breach (`staff_queue`) and the read model's (`ticket_view`) are one rule."""
    owner, agent = people
    ticket = new_ticket(owner)
    tclock.advance(seconds=TARGET.total_seconds() + offset)
    now = tclock.now()

    view = queries.ticket_view(ticket, viewer=agent, now=now)
    (row,) = queue(agent, now)
    assert row.breached == view.breached == view.first_response_breached == (offset >= 0)
    assert [t.pk for t in queue(agent, now, breached_only=True)] == ([ticket.pk] if offset >= 0 else [])


def test_the_ticket_view_says_who_is_waited_on_and_until_when(people: tuple[User, User], tclock: Any) -> None:
    owner, agent = people
    ticket = new_ticket(owner)
    opened = queries.ticket_view(ticket, viewer=owner, now=tclock.now())
    assert (opened.waiting_on, opened.response_due) == ("staff", ticket.first_response_due)

    actions.reply(ticket_id=ticket.pk, by=agent, body="Answer.")
    ticket.refresh_from_db()
    answered = queries.ticket_view(ticket, viewer=owner, now=tclock.now())
    assert (answered.waiting_on, answered.response_due) == ("owner", None)
    assert [d.at for d in answered.deadlines] == [ticket.autoclose_at]

    actions.reply(ticket_id=ticket.pk, by=owner, body="Thanks, one more thing.")
    ticket.refresh_from_db()
    again = queries.ticket_view(ticket, viewer=owner, now=tclock.now())
    assert (again.waiting_on, again.response_due) == ("staff", ticket.reply_due)

    actions.resolve(ticket_id=ticket.pk, by=owner)
    ticket.refresh_from_db()
    done = queries.ticket_view(ticket, viewer=owner, now=tclock.now())
    assert (done.waiting_on, done.response_due, done.deadlines) == (None, None, ())
