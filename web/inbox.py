"""The staff inbox: escalated disputes, open information requests and support tickets in one
queue, ordered by the nearest deadline or target, with breaches marked. Escalated disputes
waiting for the administration sort by how long they have waited (oldest first).

Each source is one query; the queue is merged here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from accounts.models import User
from disputes.models import Dispute, InfoRequest, Reason
from disputes.verdicts import status_label
from tickets import queries as ticket_queries

KINDS = {
    "all": "Everything",
    "dispute": "Escalated disputes",
    "info_request": "Information requests",
    "ticket": "Tickets",
}
ASSIGNEES = ("all", "me", "unassigned")
MAX_ITEMS = 200


@dataclass(frozen=True, slots=True)
class Filters:
    kind: str = "all"
    assignee: str = "all"
    reason: str = ""
    viewer: User | None = field(default=None, compare=False)

    @classmethod
    def from_query(cls, query: Mapping[str, str], *, viewer: User) -> Filters:
        kind = query.get("kind", "all")
        assignee = query.get("assignee", "all")
        reason = query.get("reason", "")
        return cls(
            kind=kind if kind in KINDS else "all",
            assignee=assignee if assignee in ASSIGNEES else "all",
            reason=reason if reason in Reason.values else "",
            viewer=viewer,
        )

    def assignee_q(self, name: str = "assignee") -> Q:
        if self.assignee == "me":
            return Q(**{name: self.viewer})
        if self.assignee == "unassigned":
            return Q(**{f"{name}__isnull": True})
        return Q()


@dataclass(frozen=True, slots=True)
class InboxItem:
    kind: str  # dispute, info_request or ticket
    ref: str
    title: str
    status: str
    status_label: str
    due_at: datetime | None  # the nearest deadline or target
    due_label: str
    waiting_on: str
    assignee: str | None
    link: str
    breach: bool = False
    detail: str = ""


def _disputes(filters: Filters, now: datetime) -> list[InboxItem]:
    qs = (
        Dispute.objects.filter(status=Dispute.Status.ESCALATED, waiting_on_staff=True)
        .filter(filters.assignee_q())
        .exclude(order__buyer=filters.viewer)
        .exclude(order__seller=filters.viewer)
        .select_related("order__buyer", "order__seller", "order__policy_version", "assignee")
    )
    if filters.reason:
        qs = qs.filter(reason=filters.reason)
    items = []
    for d in qs.order_by("escalated_at")[:MAX_ITEMS]:
        items.append(
            InboxItem(
                kind="dispute",
                ref=d.public_id,
                title=d.order.listing_snapshot.get("title", ""),
                status=d.status,
                status_label=status_label(d),
                due_at=d.escalated_at,
                due_label="waiting since",
                waiting_on="the administration",
                assignee=d.assignee.username if d.assignee else None,
                link=f"/staff/disputes/{d.public_id}/",
                detail=f"{d.get_reason_display()} · {d.order.buyer.username} → {d.order.seller.username}",
            )
        )
    return items


def _info_requests(filters: Filters, now: datetime) -> list[InfoRequest]:
    qs = (
        InfoRequest.objects.filter(status=InfoRequest.Status.OPEN)
        .filter(filters.assignee_q("dispute__assignee"))
        .exclude(dispute__order__buyer=filters.viewer)
        .exclude(dispute__order__seller=filters.viewer)
    )
    if filters.reason:
        qs = qs.filter(dispute__reason=filters.reason)
    return list(qs.select_related("dispute__order", "dispute__assignee").order_by("due_at")[:MAX_ITEMS])


def _info_items(filters: Filters, now: datetime) -> list[InboxItem]:
    return [
        InboxItem(
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
        for r in _info_requests(filters, now)
    ]


def _tickets(filters: Filters, now: datetime) -> list[InboxItem]:
    """Tickets waiting for the administration, by first-response target (or since the owner's
    last reply). Dispute-reason filters leave tickets out."""
    if filters.reason or filters.viewer is None:
        return []
    assignee = {"me": ticket_queries.QUEUE_ASSIGNEE_ME, "unassigned": ticket_queries.QUEUE_ASSIGNEE_NOBODY}
    queue = ticket_queries.staff_queue(filters.viewer, now=now, status="open", assignee=assignee.get(filters.assignee))
    return [
        InboxItem(
            kind="ticket",
            ref=t.public_id,
            title=t.subject,
            status=t.status,
            status_label="Waiting for us",
            due_at=t.first_response_due if t.first_responded_at is None else t.updated_at,
            due_label="first answer due" if t.first_responded_at is None else "owner replied",
            waiting_on="the administration",
            assignee=t.assignee.username if t.assignee else None,
            link=f"/tickets/{t.public_id}/",
            breach=bool(t.breached),  # type: ignore[attr-defined]
            detail=f"{t.get_category_display()} · from {t.owner.username}",
        )
        for t in queue[:MAX_ITEMS]
    ]


Source = Callable[[Filters, datetime], list[InboxItem]]
SOURCES: dict[str, Source] = {"dispute": _disputes, "info_request": _info_items, "ticket": _tickets}


def items(filters: Filters, *, now: datetime) -> list[InboxItem]:
    chosen = SOURCES.values() if filters.kind == "all" else [SOURCES[filters.kind]] if filters.kind in SOURCES else []
    merged = [item for source in chosen for item in source(filters, now)]
    return sorted(merged, key=lambda i: (i.due_at is None, i.due_at or now))[:MAX_ITEMS]
