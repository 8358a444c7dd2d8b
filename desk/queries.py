"""The staff queue: escalated disputes, open information requests and support tickets in one
queue, ordered by what is really due for each, with breaches marked, in pages (the web inbox)
or by a cursor (`GET /staff/queue`). The web and the API both read it here.

What each item sorts by:
- a ticket: its response target (the first response, or the answer to the owner's reply that
  brought it back); a breach once it has passed;
- an information request: when the party's answer is due; a breach once it has passed (the
  party missed it, and the deadline engine forfeits their position);
- an escalated (or appealed) dispute waiting for the administration: its decision target
  (`decision_target`, stored on the case as `decision_due_at` when it escalated or was
  appealed); a breach once it has passed. Under a policy without a target nothing of its own
  falls due: such a case is due from the moment it reached the administration (its
  escalation, or the latest answer or forfeit of a question it asked), sorts by that "waiting
  since" time among the overdue items, and carries no breach marker.

A search (`q`) keeps the items whose public id (the case's, its order's or the ticket's) starts
with it, whose title contains it, or one of whose people's username contains it.

Each source is one query (and one count); the page is merged here."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core import deadlines
from core.errors import ValidationFailed
from core.money import Money
from core.pagination import decode_cursor, encode_cursor
from core.transitions import choice_label
from disputes.models import STAFF_DUE, Dispute, InfoRequest, Reason
from disputes.verdicts import status_label
from orders.models import Order
from tickets import queries as ticket_queries
from tickets.models import Ticket

KINDS = {
    "all": _("Everything"),
    "dispute": _("Escalated disputes"),
    "info_request": _("Information requests"),
    "ticket": _("Tickets"),
}
STATUSES = {
    "all": _("Any"),
    "waiting_on_us": _("Waiting for us"),
    "waiting_on_party": _("Waiting for a party"),
    "breached": _("Past its target"),
}
# Which kinds of item can be in each status: a dispute in the inbox and an open ticket wait for
# the administration, a question waits for a party; disputes have no target to be past.
STATUS_KINDS = {
    "all": frozenset({"dispute", "info_request", "ticket"}),
    "waiting_on_us": frozenset({"dispute", "ticket"}),
    "waiting_on_party": frozenset({"info_request"}),
    "breached": frozenset({"dispute", "info_request", "ticket"}),
}
ASSIGNEES = ("all", "me", "unassigned")  # or a staff member's username
PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_SEARCH = 100


@dataclass(frozen=True, slots=True)
class Filters:
    kind: str = "all"
    status: str = "all"
    assignee: str = "all"
    reason: str = ""
    q: str = ""
    page: int = 1
    viewer: User | None = field(default=None, compare=False)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, viewer: User, staff: Collection[str] = ()) -> Filters:
        """The filters in a query string; anything unknown means "all". `staff`: the usernames the
        assignee filter may name (the words of ASSIGNEES come first)."""
        kind, status = query.get("kind", "all"), query.get("status", "all")
        assignee, reason = query.get("assignee", "all"), query.get("reason", "")
        page = query.get("page", "1")
        search = " ".join(str(query.get("q", "")).split())[:MAX_SEARCH]
        return cls(
            kind=kind if kind in KINDS else "all",
            status=status if status in STATUSES else "all",
            assignee=assignee if assignee in ASSIGNEES or assignee in staff else "all",
            reason=reason if reason in Reason.values else "",
            q=search,
            page=max(1, int(page)) if page.isdigit() else 1,
            viewer=viewer,
        )

    def assignee_q(self, name: str = "assignee") -> Q:
        if self.assignee == "me":
            return Q(**{name: self.viewer})
        if self.assignee == "unassigned":
            return Q(**{f"{name}__isnull": True})
        if self.assignee != "all":
            return Q(**{f"{name}__username": self.assignee})
        return Q()

    def wants(self, kind: str) -> bool:
        return self.kind in ("all", kind) and kind in STATUS_KINDS[self.status]

    def query(self, *, page: int) -> str:
        """This view's query string on another page."""
        fields = {"kind": self.kind, "status": self.status, "assignee": self.assignee, "reason": self.reason}
        if self.q:
            fields["q"] = self.q
        return urlencode({**fields, "page": page})


@dataclass(frozen=True, slots=True)
class InboxItem:
    kind: str  # dispute, info_request or ticket
    ref: str
    title: str
    status: str
    status_label: str
    due_at: datetime  # what it sorts by: its target or deadline, or since when it has waited
    due_label: str
    waiting_on: str
    assignee: str | None
    link: str
    breach: bool = False
    waiting: bool = False  # due since `due_at`, with no target: waiting for the administration
    detail: str = ""
    amount: Money | None = None  # the order's price, when the item concerns an order
    reason: str = ""  # a dispute's reason, or a ticket's category (display label)
    why: str = ""  # why it is in the queue: who escalated, appealed, or what the party is asked
    waiting_since: datetime | None = None  # since when it has waited for whoever it waits on
    target: datetime | None = None  # its own target or deadline, if it has one
    people: tuple[str, ...] = ()  # buyer and seller, or the ticket's owner
    rank: int = field(default=0, compare=False)
    pk: int = field(default=0, compare=False)

    @property
    def case_ref(self) -> str:
        """The dispute or ticket where the work on this item is done (a question's dispute)."""
        return self.link.rstrip("/").rsplit("/", 1)[-1]

    @property
    def position(self) -> Position:
        return Position(due_at=self.due_at, rank=self.rank, pk=self.pk)


@dataclass(frozen=True, slots=True)
class Position:
    """Where an item stands in the queue's order (due, kind, row): a cursor resumes after it."""

    due_at: datetime
    rank: int
    pk: int


@dataclass(frozen=True, slots=True)
class InboxPage:
    items: list[InboxItem]
    total: int  # items matching the filters, on every page
    number: int
    pages: int
    filters: Filters

    @property
    def filtered(self) -> bool:
        return self.filters != Filters(page=self.filters.page)

    @property
    def previous_query(self) -> str | None:
        return self.filters.query(page=self.number - 1) if self.number > 1 else None

    @property
    def next_query(self) -> str | None:
        return self.filters.query(page=self.number + 1) if self.number < self.pages else None

    @property
    def first(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.items else 0

    @property
    def last(self) -> int:
        return self.first + len(self.items) - 1 if self.items else 0


def _search(q: str, *, case: str = "") -> Q:
    """Items whose id starts with `q`, whose title contains it, or whose people's username does;
    `case`: the path from the row to its dispute ("" for a dispute, "dispute__" for a question)."""
    order = f"{case}order__"
    return (
        Q(**{f"{case}public_id__istartswith": q})
        | Q(**{f"{order}public_id__istartswith": q})
        | Q(**{f"{order}listing_snapshot__title__icontains": q})
        | Q(**{f"{order}buyer__username__icontains": q})
        | Q(**{f"{order}seller__username__icontains": q})
    )


def _after(position: Position | None, *, due: str, rank: int) -> Q:
    """The rows of the source ranked `rank` that come after `position` in queue order."""
    if position is None:
        return Q()
    later = Q(**{f"{due}__gt": position.due_at})
    if rank > position.rank:
        return later | Q(**{due: position.due_at})
    if rank == position.rank:
        return later | Q(**{due: position.due_at, "pk__gt": position.pk})
    return later


def _dispute_rows(filters: Filters, now: datetime, after: Position | None = None) -> QuerySet[Dispute]:
    """Escalated or appealed disputes waiting for the administration (none of its questions is
    open), annotated with `due` (the decision target, else since when it has waited: the
    escalation, or the latest answer or forfeit of one of its questions, stored on the case as
    `staff_waiting_since`). Their condition and order are those of the `dispute_staff_inbox`
    index, so a page is read from it in order, not sorted out of every waiting case."""
    qs = (
        Dispute.objects.filter(status__in=(Dispute.Status.ESCALATED, Dispute.Status.APPEALED), waiting_on_staff=True)
        .filter(filters.assignee_q())
        .select_related("order__buyer", "order__seller", "order__policy_version", "assignee")
        .annotate(due=STAFF_DUE)
    )
    if filters.viewer is not None:
        # Not the viewer's own cases: the viewer's orders (few, by the buyer and seller indexes)
        # left out by id, so counting the queue reads no order of the cases it counts.
        own = Order.objects.filter(Q(buyer=filters.viewer) | Q(seller=filters.viewer)).values("pk")
        qs = qs.exclude(order__in=own)
    if filters.reason:
        qs = qs.filter(reason=filters.reason)
    if filters.q:
        qs = qs.filter(_search(filters.q))
    if filters.status == "breached":
        qs = qs.filter(deadlines.passed("decision_due_at", now))
    return qs.filter(_after(after, due="due", rank=RANK["dispute"])).order_by("due", "id")


ESCALATED_BY = {
    "buyer": _("the buyer brought in the administration"),
    "seller": _("the seller brought in the administration"),
    "system": _("escalated by a missed deadline"),
}


def _dispute_why(d: Any) -> str:
    if d.status == Dispute.Status.APPEALED:
        return str(_("appealed by the buyer") if d.appealed_by == "buyer" else _("appealed by the seller"))
    return str(ESCALATED_BY.get(d.escalated_by, _("escalated")))


def _dispute_item(d: Any, now: datetime) -> InboxItem:
    target = d.decision_due_at
    reason = choice_label(Reason, d.reason)  # not get_reason_display(): it translates every label
    since = d.staff_waiting_since or d.escalated_at  # as `STAFF_DUE` falls back
    appeal = " · appealed by the " + d.appealed_by if d.status == Dispute.Status.APPEALED else ""
    return InboxItem(
        kind="dispute",
        ref=d.public_id,
        title=d.order.listing_snapshot.get("title", ""),
        status=d.status,
        status_label=status_label(d),
        due_at=target or since,
        due_label=str(_("decision due") if target else _("waiting since")),
        waiting_on="the administration",
        assignee=d.assignee.username if d.assignee else None,
        link=reverse("web:staff_case", args=[d.public_id]),
        breach=deadlines.has_passed(target, now),
        waiting=target is None,
        detail=f"{reason} · {d.order.buyer.username} → {d.order.seller.username}{appeal}",
        amount=d.order.price,
        reason=reason,
        why=_dispute_why(d),
        waiting_since=since,
        target=target,
        people=(d.order.buyer.username, d.order.seller.username),
        rank=RANK["dispute"],
        pk=d.pk,
    )


def _info_rows(filters: Filters, now: datetime, after: Position | None = None) -> QuerySet[InfoRequest]:
    qs = (
        InfoRequest.objects.filter(status=InfoRequest.Status.OPEN)
        .filter(filters.assignee_q("dispute__assignee"))
        .exclude(dispute__order__buyer=filters.viewer)
        .exclude(dispute__order__seller=filters.viewer)
        .select_related("dispute__order__buyer", "dispute__order__seller", "dispute__assignee")
    )
    if filters.reason:
        qs = qs.filter(dispute__reason=filters.reason)
    if filters.q:
        qs = qs.filter(Q(public_id__istartswith=filters.q) | _search(filters.q, case="dispute__"))
    if filters.status == "breached":
        qs = qs.filter(deadlines.passed("due_at", now))
    return qs.filter(_after(after, due="due_at", rank=RANK["info_request"])).order_by("due_at", "id")


def _info_item(r: InfoRequest, now: datetime) -> InboxItem:
    order = r.dispute.order
    return InboxItem(
        kind="info_request",
        ref=r.public_id,
        title=order.listing_snapshot.get("title", ""),
        status="open",
        status_label=f"Waiting for the {r.party}",
        due_at=r.due_at,
        due_label=str(_("answer due")),
        waiting_on=r.party,
        assignee=r.dispute.assignee.username if r.dispute.assignee else None,
        link=reverse("web:staff_case", args=[r.dispute.public_id]),
        breach=deadlines.has_passed(r.due_at, now),
        detail=r.question[:140],
        amount=order.price,
        reason=choice_label(Reason, r.dispute.reason),
        why=str(
            (_("the buyer is asked: %(question)s") if r.party == "buyer" else _("the seller is asked: %(question)s"))
            % {"question": r.question[:140]}
        ),
        waiting_since=r.asked_at,
        target=r.due_at,
        people=(order.buyer.username, order.seller.username),
        rank=RANK["info_request"],
        pk=r.pk,
    )


def _ticket_rows(filters: Filters, now: datetime, after: Position | None = None) -> QuerySet[Ticket] | None:
    """Tickets waiting for the administration, by response target. A dispute-reason filter
    leaves tickets out."""
    if filters.reason or filters.viewer is None:
        return None
    qs = (
        ticket_queries.staff_queue(
            filters.viewer, now=now, status=Ticket.Status.OPEN, breached_only=filters.status == "breached"
        )
        .filter(filters.assignee_q())
        .select_related("order")
    )
    if filters.q:
        q = filters.q
        qs = qs.filter(
            Q(public_id__istartswith=q)
            | Q(order__public_id__istartswith=q)
            | Q(subject__icontains=q)
            | Q(owner__username__icontains=q)
        )
    return qs.filter(_after(after, due="response_due", rank=RANK["ticket"]))


def _ticket_item(t: Any, now: datetime) -> InboxItem:
    replied = f" · replied {t.owner_replied_at:%d %b %H:%M} UTC" if t.owner_replied_at else ""
    first = t.first_responded_at is None
    return InboxItem(
        kind="ticket",
        ref=t.public_id,
        title=t.subject,
        status=t.status,
        status_label="Waiting for us",
        due_at=t.response_due,
        due_label=str(_("first answer due") if first else _("answer due")),
        waiting_on="the administration",
        assignee=t.assignee.username if t.assignee else None,
        link=reverse("web:ticket", args=[t.public_id]),
        breach=bool(t.breached),
        detail=f"{t.get_category_display()} · from {t.owner.username}{replied}",
        amount=t.order.price if t.order_id else None,
        reason=str(t.get_category_display()),
        why=str(_("a new ticket") if first else _("the owner replied after our answer")),
        waiting_since=t.owner_replied_at or t.created_at,
        target=t.response_due,
        people=(t.owner.username,),
        rank=RANK["ticket"],
        pk=t.pk,
    )


Rows = Callable[[Filters, datetime, Position | None], "QuerySet[Any] | None"]
Item = Callable[[Any, datetime], InboxItem]
RANK = {"dispute": 0, "info_request": 1, "ticket": 2}  # ties: disputes, then questions, then tickets
SOURCES: dict[str, tuple[Rows, Item]] = {
    "dispute": (_dispute_rows, _dispute_item),
    "info_request": (_info_rows, _info_item),
    "ticket": (_ticket_rows, _ticket_item),
}


def _sources(filters: Filters, now: datetime, after: Position | None = None) -> list[tuple[QuerySet[Any], Item]]:
    chosen = [(rows(filters, now, after), item) for kind, (rows, item) in SOURCES.items() if filters.wants(kind)]
    return [(qs, item) for qs, item in chosen if qs is not None]


def _key(item: InboxItem) -> tuple[datetime, int, int]:
    return (item.due_at, item.rank, item.pk)


def page(filters: Filters, *, now: datetime) -> InboxPage:
    """One page of the queue. Each source is already in queue order, so the first `n` pages'
    worth of each, merged, holds page `n` exactly."""
    sources = _sources(filters, now)
    total = sum(qs.count() for qs, _ in sources)
    pages = max(1, ceil(total / PAGE_SIZE))
    number = min(filters.page, pages)
    merged = [item(row, now) for qs, item in sources for row in qs[: number * PAGE_SIZE]]
    merged.sort(key=_key)
    shown = merged[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return InboxPage(items=shown, total=total, number=number, pages=pages, filters=filters)


@dataclass(frozen=True, slots=True)
class Slice:
    items: list[InboxItem]
    next: Position | None  # where the next slice starts, or None at the end


def after(filters: Filters, *, now: datetime, position: Position | None, limit: int) -> Slice:
    """Up to `limit` items that come after `position` in queue order (from the start when
    None): one query per source, whatever the depth."""
    merged = [item(row, now) for qs, item in _sources(filters, now, position) for row in qs[: limit + 1]]
    merged.sort(key=_key)
    shown = merged[:limit]
    return Slice(items=shown, next=shown[-1].position if len(merged) > limit else None)


def next_case(filters: Filters, *, now: datetime, leaving: str = "") -> InboxItem | None:
    """The most pressing item of the queue other than `leaving` (a public id): where a mediator
    goes after a decision."""
    for item in after(filters, now=now, position=None, limit=3).items:
        if leaving not in (item.ref, item.case_ref):
            return item
    return None


def encode_position(position: Position) -> str:
    """An opaque cursor for `position`: its due time, kind and enciphered row id (a client
    never sees a database integer)."""
    micros = (position.due_at - EPOCH) // timedelta(microseconds=1)
    raw = f"{micros}.{position.rank}.{encode_cursor(position.pk)}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_position(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        micros, rank, row = raw.split(".")
        if int(rank) not in RANK.values():
            raise ValueError(rank)
        due = EPOCH + timedelta(microseconds=int(micros))
        return Position(due_at=due, rank=int(rank), pk=decode_cursor(row))
    except (ValueError, UnicodeDecodeError, binascii.Error, OverflowError):
        raise ValidationFailed("The cursor is not one this server gave out.", fields={"cursor": ["invalid"]}) from None
