"""The staff inbox: escalated disputes, open information requests and support tickets in one
queue, ordered by what is really due for each, with breaches marked, in pages.

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

Each source is one query (and one count); the page is merged here."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from math import ceil
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from accounts.models import User
from disputes.models import Dispute, InfoRequest, Reason
from disputes.verdicts import status_label
from tickets import queries as ticket_queries
from tickets.models import Ticket

KINDS = {
    "all": "Everything",
    "dispute": "Escalated disputes",
    "info_request": "Information requests",
    "ticket": "Tickets",
}
STATUSES = {
    "all": "Any",
    "waiting_on_us": "Waiting for us",
    "waiting_on_party": "Waiting for a party",
    "breached": "Past its target",
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


@dataclass(frozen=True, slots=True)
class Filters:
    kind: str = "all"
    status: str = "all"
    assignee: str = "all"
    reason: str = ""
    page: int = 1
    viewer: User | None = field(default=None, compare=False)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, viewer: User, staff: Collection[str] = ()) -> Filters:
        """The filters in a query string; anything unknown means "all". `staff`: the usernames the
        assignee filter may name (the words of ASSIGNEES come first)."""
        kind, status = query.get("kind", "all"), query.get("status", "all")
        assignee, reason = query.get("assignee", "all"), query.get("reason", "")
        page = query.get("page", "1")
        return cls(
            kind=kind if kind in KINDS else "all",
            status=status if status in STATUSES else "all",
            assignee=assignee if assignee in ASSIGNEES or assignee in staff else "all",
            reason=reason if reason in Reason.values else "",
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


def _dispute_rows(filters: Filters, now: datetime) -> QuerySet[Dispute]:
    """Escalated or appealed disputes waiting for the administration (none of its questions is
    open), annotated with `waiting_since` and `due` (the decision target, else waiting_since)."""
    returned = InfoRequest.objects.filter(dispute=OuterRef("pk"))
    answered = returned.filter(status=InfoRequest.Status.ANSWERED).order_by("-answered_at").values("answered_at")
    forfeited = returned.filter(status=InfoRequest.Status.FORFEITED).order_by("-due_at").values("due_at")
    since = F("escalated_at")
    qs = (
        Dispute.objects.filter(status__in=(Dispute.Status.ESCALATED, Dispute.Status.APPEALED), waiting_on_staff=True)
        .filter(filters.assignee_q())
        .exclude(order__buyer=filters.viewer)
        .exclude(order__seller=filters.viewer)
        .select_related("order__buyer", "order__seller", "order__policy_version", "assignee")
        # Coalesce: on SQLite a NULL among GREATEST's arguments makes the whole result NULL.
        .annotate(
            waiting_since=Greatest(
                since, Coalesce(Subquery(answered[:1]), since), Coalesce(Subquery(forfeited[:1]), since)
            )
        )
        .annotate(due=Coalesce(F("decision_due_at"), F("waiting_since")))
    )
    if filters.reason:
        qs = qs.filter(reason=filters.reason)
    if filters.status == "breached":
        qs = qs.filter(decision_due_at__lte=now)
    return qs.order_by("due", "id")


def _dispute_item(d: Any, now: datetime) -> InboxItem:
    target = d.decision_due_at
    appeal = " · appealed by the " + d.appealed_by if d.status == Dispute.Status.APPEALED else ""
    return InboxItem(
        kind="dispute",
        ref=d.public_id,
        title=d.order.listing_snapshot.get("title", ""),
        status=d.status,
        status_label=status_label(d),
        due_at=target or d.waiting_since,
        due_label="decision due" if target else "waiting since",
        waiting_on="the administration",
        assignee=d.assignee.username if d.assignee else None,
        link=f"/staff/disputes/{d.public_id}/",
        breach=target is not None and target <= now,
        waiting=target is None,
        detail=f"{d.get_reason_display()} · {d.order.buyer.username} → {d.order.seller.username}{appeal}",
    )


def _info_rows(filters: Filters, now: datetime) -> QuerySet[InfoRequest]:
    qs = (
        InfoRequest.objects.filter(status=InfoRequest.Status.OPEN)
        .filter(filters.assignee_q("dispute__assignee"))
        .exclude(dispute__order__buyer=filters.viewer)
        .exclude(dispute__order__seller=filters.viewer)
        .select_related("dispute__order", "dispute__assignee")
    )
    if filters.reason:
        qs = qs.filter(dispute__reason=filters.reason)
    if filters.status == "breached":
        qs = qs.filter(due_at__lte=now)
    return qs.order_by("due_at", "id")


def _info_item(r: InfoRequest, now: datetime) -> InboxItem:
    return InboxItem(
        kind="info_request",
        ref=r.public_id,
        title=r.dispute.order.listing_snapshot.get("title", ""),
        status="open",
        status_label=f"Waiting for the {r.party}",
        due_at=r.due_at,
        due_label="answer due",
        waiting_on=r.party,
        assignee=r.dispute.assignee.username if r.dispute.assignee else None,
        link=f"/staff/disputes/{r.dispute.public_id}/",
        breach=r.due_at <= now,
        detail=r.question[:140],
    )


def _ticket_rows(filters: Filters, now: datetime) -> QuerySet[Ticket] | None:
    """Tickets waiting for the administration, by response target. A dispute-reason filter
    leaves tickets out."""
    if filters.reason or filters.viewer is None:
        return None
    return ticket_queries.staff_queue(
        filters.viewer, now=now, status=Ticket.Status.OPEN, breached_only=filters.status == "breached"
    ).filter(filters.assignee_q())


def _ticket_item(t: Any, now: datetime) -> InboxItem:
    replied = f" · replied {t.owner_replied_at:%d %b %H:%M} UTC" if t.owner_replied_at else ""
    return InboxItem(
        kind="ticket",
        ref=t.public_id,
        title=t.subject,
        status=t.status,
        status_label="Waiting for us",
        due_at=t.response_due,
        due_label="first answer due" if t.first_responded_at is None else "answer due",
        waiting_on="the administration",
        assignee=t.assignee.username if t.assignee else None,
        link=f"/tickets/{t.public_id}/",
        breach=bool(t.breached),
        detail=f"{t.get_category_display()} · from {t.owner.username}{replied}",
    )


Rows = Callable[[Filters, datetime], "QuerySet[Any] | None"]
Item = Callable[[Any, datetime], InboxItem]
SOURCES: dict[str, tuple[Rows, Item]] = {
    "dispute": (_dispute_rows, _dispute_item),
    "info_request": (_info_rows, _info_item),
    "ticket": (_ticket_rows, _ticket_item),
}
RANK = {kind: n for n, kind in enumerate(SOURCES)}  # ties: disputes, then questions, then tickets


def page(filters: Filters, *, now: datetime) -> InboxPage:
    """One page of the queue. Each source is already in queue order, so the first `n` pages'
    worth of each, merged, holds page `n` exactly."""
    chosen = [(rows(filters, now), item) for kind, (rows, item) in SOURCES.items() if filters.wants(kind)]
    sources = [(qs, item) for qs, item in chosen if qs is not None]
    total = sum(qs.count() for qs, _ in sources)
    pages = max(1, ceil(total / PAGE_SIZE))
    number = min(filters.page, pages)
    merged = [item(row, now) for qs, item in sources for row in qs[: number * PAGE_SIZE]]
    merged.sort(key=lambda i: (i.due_at, RANK[i.kind]))
    shown = merged[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    return InboxPage(items=shown, total=total, number=number, pages=pages, filters=filters)
