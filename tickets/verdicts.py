"""Who may do what to a ticket, now. `verdict()` is what the actions enforce and what the API's
`allowed_actions` and the pages show, so the two cannot disagree."""

from __future__ import annotations

from accounts.models import User
from core.actors import Actor, SystemActor
from core.transitions import Verdict, check
from tickets.models import Ticket
from tickets.states import PERSON_ACTIONS, TRANSITIONS


def roles_of(ticket: Ticket, actor: Actor) -> frozenset[str]:
    """The actor's roles on this ticket. Staff who opened a ticket act on it only as its owner:
    nobody answers their own request."""
    if isinstance(actor, SystemActor):
        return frozenset({"system"})
    if actor.pk == ticket.owner_id:
        return frozenset({"owner"})
    if actor.is_staff:
        return frozenset({"staff"})
    return frozenset()


def can_see(ticket: Ticket, user: User) -> bool:
    return bool(roles_of(ticket, user))


def sees_internal_notes(ticket: Ticket, user: User) -> bool:
    return "staff" in roles_of(ticket, user)


def reply_action(ticket: Ticket, actor: Actor) -> str:
    """Which entry of the table a message from `actor` is: staff answer, everyone else replies."""
    return "answer" if "staff" in roles_of(ticket, actor) else "reply"


def verdict(ticket: Ticket, action: str, *, by: Actor) -> Verdict:
    return check(
        TRANSITIONS,
        action,
        state=ticket.status,
        roles=roles_of(ticket, by),
        describe_state=f"the ticket is {ticket.get_status_display().lower()}",
    )


def allowed_actions(ticket: Ticket, *, user: User) -> list[Verdict]:
    """The verdict on every action this user could ever take on this ticket."""
    roles = roles_of(ticket, user)
    return [verdict(ticket, action, by=user) for action in PERSON_ACTIONS if roles & TRANSITIONS[action].roles]
