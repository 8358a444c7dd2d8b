from __future__ import annotations

from datetime import timedelta

import pytest

from core.errors import Forbidden, NotAllowedInState, NotFound, ValidationFailed
from core.models import AuditEvent, Deadline
from notifications.models import Notification
from policy.active import configured_policy, current_version
from testsupport import factories
from tickets import actions, queries
from tickets.models import Ticket, TicketMessage

POLICY = configured_policy()
AUTOCLOSE = POLICY.ticket_autoclose_after


@pytest.fixture
def people(make_user):
    return make_user("owner"), make_user("agent", staff=True)


def open_ticket(owner, **kwargs):
    fields = {"subject": "Cannot withdraw", "category": "payment", "body": "My withdrawal is stuck."}
    return actions.open_ticket(by=owner, **(fields | kwargs))


def codes(ticket):
    return list(
        AuditEvent.objects.filter(subject_type="ticket", subject_id=ticket.pk)
        .order_by("id")
        .values_list("code", flat=True)
    )


def refreshed(ticket):
    ticket.refresh_from_db()
    return ticket


def test_a_new_ticket_is_open_with_its_first_response_target_from_the_policy(people, tclock):
    owner, _ = people
    ticket = open_ticket(owner)

    assert ticket.status == Ticket.Status.OPEN
    assert ticket.public_id.startswith("tkt_")
    assert ticket.first_response_due == tclock.now() + POLICY.ticket_first_response_target
    assert ticket.policy_version == current_version()
    assert [m.body for m in queries.messages_for(ticket, owner)] == ["My withdrawal is stuck."]
    assert codes(ticket) == ["ticket.opened"]


def test_open_answer_reply_resolve(people):
    owner, agent = people
    ticket = open_ticket(owner)
    actions.assign(ticket_id=ticket.pk, by=agent, assignee_username="agent")

    actions.reply(ticket_id=ticket.pk, by=agent, body="Which wallet?")
    ticket = refreshed(ticket)
    assert ticket.status == Ticket.Status.ANSWERED
    first_response = ticket.first_responded_at
    assert first_response is not None
    assert Notification.objects.filter(user=owner, code="ticket.answered").count() == 1
    assert Deadline.objects.filter(
        kind=actions.AUTOCLOSE, subject_id=ticket.pk, status="pending", due_at=ticket.autoclose_at
    ).exists()

    actions.reply(ticket_id=ticket.pk, by=owner, body="The USD one.")
    ticket = refreshed(ticket)
    assert ticket.status == Ticket.Status.OPEN
    assert ticket.autoclose_at is None
    assert not Deadline.objects.filter(kind=actions.AUTOCLOSE, status="pending").exists()
    assert Notification.objects.filter(user=agent, code="ticket.replied").count() == 1

    actions.reply(ticket_id=ticket.pk, by=agent, body="Fixed.")
    assert refreshed(ticket).first_responded_at == first_response  # the first response stays the first

    actions.resolve(ticket_id=ticket.pk, by=owner)
    ticket = refreshed(ticket)
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.resolved_at is not None
    assert not Deadline.objects.filter(kind=actions.AUTOCLOSE, status="pending").exists()
    assert codes(ticket) == [
        "ticket.opened",
        "ticket.assigned",
        "ticket.answered",
        "ticket.replied",
        "ticket.answered",
        "ticket.resolved",
    ]


def test_a_reply_by_the_owner_reopens_a_resolved_ticket(people):
    owner, agent = people
    ticket = open_ticket(owner)
    actions.reply(ticket_id=ticket.pk, by=agent, body="Done.")
    actions.resolve(ticket_id=ticket.pk, by=agent)
    assert Notification.objects.filter(user=owner, code="ticket.resolved").exists()

    actions.reply(ticket_id=ticket.pk, by=owner, body="It happened again.")

    ticket = refreshed(ticket)
    assert ticket.status == Ticket.Status.OPEN and ticket.resolved_at is None
    assert codes(ticket)[-2:] == ["ticket.replied", "ticket.reopened"]


def test_an_answered_ticket_resolves_by_itself_when_nobody_replies(people, tclock):
    owner, agent = people
    ticket = open_ticket(owner)
    actions.reply(ticket_id=ticket.pk, by=agent, body="Try again now, please.")

    tclock.advance(seconds=AUTOCLOSE.total_seconds() - 1)
    assert refreshed(ticket).status == Ticket.Status.ANSWERED

    tclock.advance(seconds=1)
    ticket = refreshed(ticket)
    assert ticket.status == Ticket.Status.RESOLVED
    assert ticket.resolved_at == ticket.first_responded_at + AUTOCLOSE
    event = AuditEvent.objects.get(subject_type="ticket", subject_id=ticket.pk, code="ticket.auto_resolved")
    assert event.actor_role == "system" and event.rule == "ticket_autoclose_after"
    assert Notification.objects.filter(user=owner, code="ticket.auto_resolved").count() == 1
    last = queries.messages_for(ticket, owner).last()
    assert last.author_role == "system" and "automatically" in last.body


def test_the_owner_is_reminded_before_the_ticket_resolves(people, tclock):
    owner, agent = people
    ticket = open_ticket(owner)
    actions.reply(ticket_id=ticket.pk, by=agent, body="Try again now, please.")
    reminders = Notification.objects.filter(user=owner, code="ticket.reminder")

    tclock.advance(seconds=(AUTOCLOSE - POLICY.reminder_before_deadline).total_seconds() - 1)
    assert not reminders.exists()
    tclock.advance(seconds=1)
    assert reminders.count() == 1
    assert "reply before then" in reminders.get().body
    assert not Notification.objects.filter(user=agent, code="ticket.reminder").exists()


def test_a_reply_withdraws_the_reminder(people, tclock):
    owner, agent = people
    ticket = open_ticket(owner)
    actions.reply(ticket_id=ticket.pk, by=agent, body="Try again now, please.")
    tclock.advance(days=1)
    actions.reply(ticket_id=ticket.pk, by=owner, body="Still broken.")
    tclock.advance(days=8)
    assert not Notification.objects.filter(user=owner, code="ticket.reminder").exists()


def test_each_answer_gives_the_owner_the_full_time_again(people, tclock):
    owner, agent = people
    ticket = open_ticket(owner)
    actions.reply(ticket_id=ticket.pk, by=agent, body="First answer.")
    tclock.advance(days=3)
    actions.reply(ticket_id=ticket.pk, by=agent, body="One more thing.")

    tclock.advance(seconds=(AUTOCLOSE - timedelta(days=3)).total_seconds())
    assert refreshed(ticket).status == Ticket.Status.ANSWERED

    tclock.advance(days=3)
    assert refreshed(ticket).status == Ticket.Status.RESOLVED
    assert AuditEvent.objects.filter(code="ticket.auto_resolved").count() == 1


def test_a_reply_from_the_owner_stops_the_auto_close(people, tclock):
    owner, agent = people
    ticket = open_ticket(owner)
    actions.reply(ticket_id=ticket.pk, by=agent, body="Answer.")
    actions.reply(ticket_id=ticket.pk, by=owner, body="Still broken.")

    tclock.advance(seconds=AUTOCLOSE.total_seconds() * 2)

    assert refreshed(ticket).status == Ticket.Status.OPEN


def test_internal_notes_are_for_staff_only_and_change_nothing(people):
    owner, agent = people
    ticket = open_ticket(owner)

    actions.add_internal_note(ticket_id=ticket.pk, by=agent, body="Looks like fraud, check IPs.")

    assert refreshed(ticket).status == Ticket.Status.OPEN
    assert "Looks like fraud, check IPs." not in [m.body for m in queries.messages_for(ticket, owner)]
    assert "Looks like fraud, check IPs." in [m.body for m in queries.messages_for(ticket, agent)]
    with pytest.raises(Forbidden):
        actions.add_internal_note(ticket_id=ticket.pk, by=owner, body="Me too?")
    assert not Notification.objects.filter(user=owner).exists()


def test_resolve_and_reopen_follow_the_table(people):
    owner, agent = people
    ticket = open_ticket(owner)
    with pytest.raises(NotAllowedInState):
        actions.reopen(ticket_id=ticket.pk, by=owner)
    actions.resolve(ticket_id=ticket.pk, by=agent)
    with pytest.raises(NotAllowedInState):
        actions.resolve(ticket_id=ticket.pk, by=owner)
    with pytest.raises(NotAllowedInState):
        actions.reply(ticket_id=ticket.pk, by=agent, body="Staff reopen first.")

    actions.reopen(ticket_id=ticket.pk, by=agent)

    assert refreshed(ticket).status == Ticket.Status.OPEN
    assert Notification.objects.filter(user=owner, code="ticket.reopened").exists()


def test_others_cannot_see_or_touch_a_ticket(people, make_user):
    owner, agent = people
    stranger = make_user("stranger")
    ticket = open_ticket(owner)

    with pytest.raises(NotFound):
        queries.get_ticket_for(stranger, ticket.public_id)
    assert queries.get_ticket_for(agent, ticket.public_id) == ticket
    assert list(queries.tickets_for(stranger)) == []
    assert list(queries.tickets_for(agent)) == [ticket]
    with pytest.raises(Forbidden):
        actions.reply(ticket_id=ticket.pk, by=stranger, body="Hi")
    with pytest.raises(Forbidden):
        actions.assign(ticket_id=ticket.pk, by=owner, assignee_username="agent")
    with pytest.raises(Forbidden):
        actions.link_dispute(ticket_id=ticket.pk, by=owner, dispute_id="dsp_" + "a" * 20)


def test_staff_act_on_their_own_ticket_only_as_its_owner(make_user):
    agent, other_agent = make_user("agent", staff=True), make_user("other", staff=True)
    ticket = open_ticket(agent)

    actions.reply(ticket_id=ticket.pk, by=agent, body="Adding details.")
    assert refreshed(ticket).status == Ticket.Status.OPEN  # not "answered"
    with pytest.raises(ValidationFailed):
        actions.assign(ticket_id=ticket.pk, by=other_agent, assignee_username="agent")
    assert list(queries.staff_queue(agent, now=ticket.created_at)) == []
    assert list(queries.staff_queue(other_agent, now=ticket.created_at)) == [ticket]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"body": "   "}, "body"),
        ({"subject": "x" * 201}, "subject"),
        ({"subject": ""}, "subject"),
        ({"category": "refund-me-now"}, "category"),
        ({"body": "x" * 5001}, "body"),
    ],
)
def test_invalid_tickets_are_refused_and_write_nothing(people, change, field):
    owner, _ = people
    with pytest.raises(ValidationFailed) as exc:
        open_ticket(owner, **change)
    assert field in exc.value.fields
    assert not Ticket.objects.exists() and not TicketMessage.objects.exists()
    assert not AuditEvent.objects.filter(code__startswith="ticket.").exists()


def test_a_ticket_may_concern_only_the_owners_own_order(people, make_user):
    owner, _ = people
    buyer, seller = make_user("buyer"), make_user("seller")
    theirs = factories.paid_order(buyer, seller)
    with pytest.raises(ValidationFailed) as exc:
        open_ticket(owner, order_public_id=theirs.public_id)
    assert "order_id" in exc.value.fields
    assert not Ticket.objects.exists()

    as_seller = open_ticket(seller, order_public_id=theirs.public_id, category="order")
    assert as_seller.order == theirs


def test_assigning_and_linking(people, make_user):
    owner, agent = people
    ticket = open_ticket(owner)
    boss = make_user("boss", staff=True)

    actions.assign(ticket_id=ticket.pk, by=boss, assignee_username="agent")
    assert refreshed(ticket).assignee == agent
    assert Notification.objects.filter(user=agent, code="ticket.assigned").count() == 1
    with pytest.raises(ValidationFailed):
        actions.assign(ticket_id=ticket.pk, by=boss, assignee_username=owner.username)
    actions.assign(ticket_id=ticket.pk, by=boss, assignee_username=None)
    assert refreshed(ticket).assignee is None

    with pytest.raises(ValidationFailed):
        actions.link_dispute(ticket_id=ticket.pk, by=agent, dispute_id="ord_123")
    with pytest.raises(ValidationFailed):  # well formed, but no such dispute
        actions.link_dispute(ticket_id=ticket.pk, by=agent, dispute_id="dsp_" + "b" * 20)
    dispute = factories.dispute_of(owner)
    actions.link_dispute(ticket_id=ticket.pk, by=agent, dispute_id=dispute.public_id)
    assert refreshed(ticket).linked_dispute == dispute.public_id
