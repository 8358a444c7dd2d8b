"""A ticket that comes back to the administration after an answer (the owner replied, or it was
reopened) gets a response target too: the first-response target of its policy, counted from
its return. The owner's last reply is kept on the ticket, apart from `updated_at`."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from policy.active import configured_policy
from tickets import actions, queries
from tickets.models import Ticket

TARGET = configured_policy().ticket_first_response_target


@pytest.fixture
def people(make_user):
    return make_user("owner"), make_user("agent", staff=True)


def open_ticket(owner, subject="Cannot withdraw"):
    return actions.open_ticket(by=owner, subject=subject, category="payment", body="It is stuck.")


def answered(owner, agent, subject="Cannot withdraw"):
    ticket = open_ticket(owner, subject)
    actions.reply(ticket_id=ticket.pk, by=agent, body="Which wallet?")
    return ticket


def fresh(ticket):
    ticket.refresh_from_db()
    return ticket


def queue(agent, now, **filters):
    return list(queries.staff_queue(agent, now=now, **filters))


def test_the_owners_reply_to_an_answer_starts_a_response_target_that_breaches(people, tclock):
    owner, agent = people
    ticket = answered(owner, agent)
    tclock.advance(hours=30)  # long past the first-response target, which was met
    actions.reply(ticket_id=ticket.pk, by=owner, body="The EUR one.")
    replied_at = tclock.now()

    ticket = fresh(ticket)
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.owner_replied_at == replied_at
    assert ticket.reply_due == replied_at + TARGET
    assert queries.response_due(ticket) == ticket.reply_due
    assert not queries.breached(ticket, now=tclock.now())

    tclock.advance(seconds=TARGET.total_seconds() - 1)
    assert not queries.breached(ticket, now=tclock.now())
    assert not queue(agent, tclock.now())[0].breached

    tclock.advance(seconds=1)  # the target's own moment: breached (decision 0015)
    assert tclock.now() == ticket.reply_due
    assert queries.breached(ticket, now=tclock.now())
    assert queries.reply_breached(ticket, now=tclock.now())
    assert not queries.first_response_breached(ticket, now=tclock.now())
    row = queue(agent, tclock.now())[0]
    assert row.breached and row.response_due == ticket.reply_due

    actions.reply(ticket_id=ticket.pk, by=agent, body="Fixed.")
    ticket = fresh(ticket)
    assert ticket.reply_due is None and not queries.breached(ticket, now=tclock.now())
    assert not queue(agent, tclock.now())[0].breached


def test_a_second_reply_before_any_answer_keeps_the_earlier_target(people, tclock):
    owner, agent = people
    ticket = answered(owner, agent)
    actions.reply(ticket_id=ticket.pk, by=owner, body="The EUR one.")
    first_due = fresh(ticket).reply_due
    tclock.advance(hours=1)
    actions.reply(ticket_id=ticket.pk, by=owner, body="Hello?")

    ticket = fresh(ticket)
    assert ticket.reply_due == first_due
    assert ticket.owner_replied_at == tclock.now()


def test_before_the_first_answer_the_first_response_target_stands(people, tclock):
    owner, agent = people
    ticket = open_ticket(owner)
    tclock.advance(hours=1)
    actions.reply(ticket_id=ticket.pk, by=owner, body="Any news?")

    ticket = fresh(ticket)
    assert ticket.reply_due is None and ticket.owner_replied_at == tclock.now()
    assert queries.response_due(ticket) == ticket.first_response_due


@pytest.mark.parametrize("how", ["reply", "reopen_by_owner", "reopen_by_staff"])
def test_a_resolved_ticket_that_comes_back_gets_a_target_from_its_return(people, tclock, how):
    owner, agent = people
    ticket = answered(owner, agent)
    actions.resolve(ticket_id=ticket.pk, by=owner)
    assert fresh(ticket).reply_due is None
    tclock.advance(days=2)

    if how == "reply":
        actions.reply(ticket_id=ticket.pk, by=owner, body="It broke again.")
    else:
        actions.reopen(ticket_id=ticket.pk, by=owner if how == "reopen_by_owner" else agent)

    ticket = fresh(ticket)
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.reply_due == tclock.now() + TARGET
    assert (ticket.owner_replied_at == tclock.now()) is (how == "reply")
    tclock.advance(seconds=TARGET.total_seconds() + 1)
    assert [t.breached for t in queue(agent, tclock.now())] == [True]


def test_notes_assignment_and_links_do_not_count_as_the_owners_reply(people, tclock):
    owner, agent = people
    ticket = answered(owner, agent)
    actions.reply(ticket_id=ticket.pk, by=owner, body="The EUR one.")
    replied_at, due = tclock.now(), fresh(ticket).reply_due
    tclock.advance(hours=1)
    actions.add_internal_note(ticket_id=ticket.pk, by=agent, body="Check the ledger.")
    actions.assign(ticket_id=ticket.pk, by=agent, assignee_username="agent")
    actions.link_dispute(ticket_id=ticket.pk, by=agent, dispute_id="")

    ticket = fresh(ticket)
    assert ticket.updated_at == tclock.now()
    assert ticket.owner_replied_at == replied_at and ticket.reply_due == due


def test_the_queue_orders_by_the_target_really_due_first_or_next(people, tclock):
    owner, agent = people
    oldest = answered(owner, agent, "oldest, replied late")
    tclock.advance(minutes=10)
    new = open_ticket(owner, "new")  # first response due at +10m + TARGET
    tclock.advance(minutes=10)
    quick = answered(owner, agent, "replied at once")
    actions.reply(ticket_id=quick.pk, by=owner, body="Still broken.")  # due at +20m + TARGET
    tclock.advance(minutes=40)
    actions.reply(ticket_id=oldest.pk, by=owner, body="Again.")  # due at +60m + TARGET
    waiting_on_owner = answered(owner, agent, "waiting on the owner")

    assert queue(agent, tclock.now()) == [new, quick, oldest, waiting_on_owner]


def test_the_migration_fills_in_the_owners_reply_and_the_target_of_open_tickets(people, tclock):
    owner, agent = people
    back = answered(owner, agent, "came back")
    tclock.advance(hours=2)
    actions.reply(ticket_id=back.pk, by=owner, body="Still broken.")
    waiting_since = tclock.now()
    tclock.advance(hours=1)
    actions.reply(ticket_id=back.pk, by=owner, body="Hello?")
    last_reply = tclock.now()
    untouched = open_ticket(owner, "never answered")
    Ticket.objects.update(owner_replied_at=None, reply_due=None)

    migration = importlib.import_module("tickets.migrations.0002_owner_reply_and_reply_target")
    migration.backfill(apps, None)

    back, untouched = fresh(back), fresh(untouched)
    assert back.owner_replied_at == last_reply
    assert back.reply_due == waiting_since + TARGET
    assert untouched.owner_replied_at is None and untouched.reply_due is None
