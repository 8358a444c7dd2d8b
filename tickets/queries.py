"""Reads of tickets, always scoped to who is asking, and of the contacts page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Case, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from accounts.models import User
from core.deadlines import has_passed, passed
from core.errors import Forbidden, NotFound
from core.transitions import Verdict
from orders.models import Order
from orders.queries import DeadlineView
from tickets.contacts import Channel, parse_channels
from tickets.models import ContactsPage, Ticket, TicketAttachment, TicketMessage
from tickets.verdicts import allowed_actions, can_see, reply_action, sees_internal_notes


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as every reader shows it, for one viewer at one instant (its thread is read
    apart, by `messages_for`, as a chat is)."""

    ticket: Ticket
    now: datetime
    staff_view: bool  # the viewer sees internal notes and the linked dispute
    first_response_breached: bool
    reply_breached: bool
    breached: bool
    allowed_actions: tuple[Verdict, ...]
    verdicts: Mapping[str, Verdict]
    reply_verdict: Verdict  # on what a message from the viewer would be (answer or reply)
    deadlines: tuple[DeadlineView, ...]
    waiting_on: str | None  # "staff" while open, "owner" while answered (until it resolves by itself)
    response_due: datetime | None  # when the administration aims to answer, while it is theirs


# Who must move a ticket in each status; a resolved one waits for nobody.
WAITING_ON = {Ticket.Status.OPEN: "staff", Ticket.Status.ANSWERED: "owner"}


def ticket_views(tickets: Sequence[Ticket], *, viewer: User, now: datetime) -> list[TicketView]:
    """The read model of a page of tickets, judged at one instant (no query of its own)."""
    return [ticket_view(t, viewer=viewer, now=now) for t in tickets]


def ticket_view(ticket: Ticket, *, viewer: User, now: datetime) -> TicketView:
    verdicts = allowed_actions(ticket, user=viewer)
    by_action = {v.action: v for v in verdicts}
    return TicketView(
        ticket=ticket,
        now=now,
        staff_view=sees_internal_notes(ticket, viewer),
        first_response_breached=first_response_breached(ticket, now=now),
        reply_breached=reply_breached(ticket, now=now),
        breached=breached(ticket, now=now),
        allowed_actions=tuple(verdicts),
        verdicts=by_action,
        reply_verdict=by_action[reply_action(ticket, viewer)],
        deadlines=tuple(deadlines_of(ticket)),
        waiting_on=WAITING_ON.get(Ticket.Status(ticket.status)),
        response_due=response_due(ticket),
    )


QUEUE_ASSIGNEE_ME = "me"
QUEUE_ASSIGNEE_NOBODY = "none"


def tickets_for(user: User, *, status: str | None = None, own_only: bool = False) -> QuerySet[Ticket]:
    """The user's own tickets; staff see every ticket unless `own_only`."""
    qs = Ticket.objects.select_related("owner", "assignee", "order")
    if own_only or not user.is_staff:
        qs = qs.filter(owner=user)
    if status:
        qs = qs.filter(status=status)
    return qs


def get_ticket_for(user: User, public_id: str) -> Ticket:
    """The ticket if the user opened it or is staff; otherwise "not found"."""
    ticket = (
        Ticket.objects.select_related("owner", "assignee", "order", "policy_version")
        .filter(public_id=public_id)
        .first()
    )
    if ticket is None or not can_see(ticket, user):
        raise NotFound(_("No such ticket."))
    return ticket


def messages_for(ticket: Ticket, user: User) -> QuerySet[TicketMessage]:
    """The thread as this user may read it, oldest first: internal notes only for staff."""
    qs = (
        TicketMessage.objects.filter(ticket=ticket)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("id")
    )
    if not sees_internal_notes(ticket, user):
        qs = qs.filter(internal=False)
    return qs


def get_attachment_for(user: User, ticket_public_id: str, attachment_public_id: str) -> TicketAttachment:
    """A file the user may read: on a ticket they see, and not on an internal note unless
    they are the administration. Otherwise "not found"."""
    ticket = get_ticket_for(user, ticket_public_id)
    found = TicketAttachment.objects.filter(
        public_id=attachment_public_id, message__in=messages_for(ticket, user)
    ).first()
    if found is None:
        raise NotFound(_("No such file."))
    return found


def response_due(ticket: Ticket) -> datetime | None:
    """When the administration aims to answer the ticket next: its first response, or, once it
    was answered, the answer to the owner's reply (or the reopening) that brought it back.
    None unless the ticket is waiting for the administration."""
    if ticket.status != Ticket.Status.OPEN:
        return None
    return ticket.first_response_due if ticket.first_responded_at is None else ticket.reply_due


def first_response_breached(ticket: Ticket, *, now: datetime) -> bool:
    """The first-response target has passed and the administration has not answered yet."""
    return (
        ticket.status == Ticket.Status.OPEN
        and ticket.first_responded_at is None
        and has_passed(ticket.first_response_due, now)
    )


def reply_breached(ticket: Ticket, *, now: datetime) -> bool:
    """The ticket came back after an answer and the target for answering again has passed."""
    return ticket.first_responded_at is not None and breached(ticket, now=now)


def breached(ticket: Ticket, *, now: datetime) -> bool:
    """The ticket waits for the administration and its response target (first or next) has
    come: a target at 10:00 is breached from 10:00:00 on, as every deadline (decision 0015)."""
    return has_passed(response_due(ticket), now)


def _breached(now: datetime) -> Q:
    """`breached()` as a condition the database evaluates, for the whole queue at once."""
    first = Q(first_responded_at__isnull=True) & passed("first_response_due", now)
    again = Q(first_responded_at__isnull=False) & passed("reply_due", now)
    return Q(status=Ticket.Status.OPEN) & (first | again)


def _response_due() -> Case:
    """`response_due()` as an expression to order the queue by. Tickets not waiting for the
    administration keep their first-response target, which orders them among themselves."""
    return Case(
        When(status=Ticket.Status.OPEN, first_responded_at__isnull=False, reply_due__isnull=False, then=F("reply_due")),
        default=F("first_response_due"),
    )


def staff_queue(
    user: User,
    *,
    now: datetime,
    status: str | None = None,
    assignee: str | None = None,
    category: str | None = None,
    breached_only: bool = False,
) -> QuerySet[Ticket]:
    """Tickets for the administration, each annotated with `breached` and `response_due`: those
    waiting for the administration first, by their response target (the first response, or
    the answer to a reply that brought the ticket back). Resolved ones only when asked for. A
    staff member's own tickets are left out: someone else answers them."""
    if not user.is_staff:
        raise Forbidden(_("Only the administration sees the ticket queue."))
    qs = (
        Ticket.objects.select_related("owner", "assignee")
        .exclude(owner=user)
        .annotate(
            breached=ExpressionWrapper(_breached(now), output_field=BooleanField()),
            response_due=_response_due(),
            waiting=Case(
                When(status=Ticket.Status.OPEN, then=Value(0)),
                When(status=Ticket.Status.ANSWERED, then=Value(1)),
                default=Value(2),
            ),
        )
    )
    qs = qs.filter(status=status) if status else qs.exclude(status=Ticket.Status.RESOLVED)
    if assignee == QUEUE_ASSIGNEE_ME:
        qs = qs.filter(assignee=user)
    elif assignee == QUEUE_ASSIGNEE_NOBODY:
        qs = qs.filter(assignee__isnull=True)
    elif assignee:
        qs = qs.filter(assignee__username=assignee)
    if category:
        qs = qs.filter(category=category)
    if breached_only:
        qs = qs.filter(_breached(now))
    return qs.order_by("waiting", "response_due", "id")


def staff_members() -> QuerySet[User]:
    """Who a ticket can be assigned to."""
    return User.objects.filter(is_staff=True, is_active=True).order_by("username")


def deadlines_of(ticket: Ticket) -> list[DeadlineView]:
    """What happens by itself if nobody acts: an answered ticket resolves at `autoclose_at`."""
    if ticket.status != Ticket.Status.ANSWERED or ticket.autoclose_at is None:
        return []
    return [
        DeadlineView(
            name="autoclose",
            at=ticket.autoclose_at,
            party="owner",
            consequence=_("the ticket is resolved"),
        )
    ]


def orders_to_ask_about(user: User, *, limit: int = 50) -> QuerySet[Order]:
    """The user's own orders, as buyer or seller, newest first: what a ticket may concern."""
    return Order.objects.filter(Q(buyer=user) | Q(seller=user)).order_by("-id")[:limit]


def contacts_page() -> ContactsPage:
    """The contacts page; its defaults until staff first edit it."""
    page = ContactsPage.objects.select_related("updated_by").filter(pk=ContactsPage.SINGLETON_ID).first()
    return page or ContactsPage(pk=ContactsPage.SINGLETON_ID)


def get_contacts_page_for_editing(user: User) -> ContactsPage:
    if not user.is_staff:
        raise Forbidden(_("Only the administration can edit the contacts page."))
    return contacts_page()


def contact_channels(page: ContactsPage) -> list[Channel]:
    return parse_channels(page.channels)[0]
