"""What a ticket's deadline does when it falls due."""

from __future__ import annotations

from core.actors import SystemActor
from core.deadlines import handles
from core.models import Deadline
from tickets import actions


@handles(actions.AUTOCLOSE)
def autoclose(deadline: Deadline) -> str:
    ticket = actions.auto_resolve(ticket_id=deadline.subject_id, by=SystemActor(rule="ticket_autoclose_after"))
    return f"ticket {ticket.public_id} resolved"


@handles(actions.AUTOCLOSE_REMINDER)
def autoclose_reminder(deadline: Deadline) -> str:
    ticket = actions.remind_owner(ticket_id=deadline.subject_id)
    return f"owner of {ticket.public_id} reminded"
