"""The staff queue (`desk.queries`): what is due for the administration, as the web inbox
shows it, with the same filters, for a marketplace's own back office."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from api.permissions import require_staff
from api.schemas import ERRORS, MoneyOut
from core import clock
from core.errors import ValidationFailed
from core.pagination import clamp_limit
from desk import queries
from disputes.models import Reason
from tickets import queries as ticket_queries

router = Router(tags=["staff"])

QueueKind = Literal["all", "dispute", "info_request", "ticket"]
QueueStatus = Literal["all", "waiting_on_us", "waiting_on_party", "breached"]


class QueueItemOut(Schema):
    kind: Literal["dispute", "info_request", "ticket"]
    id: str = Field(description="The item's public id: dsp_…, inf_… (a question to a party) or tkt_….")
    case_id: str = Field(description="Where the work is done: the dispute (dsp_…) or the ticket (tkt_…).")
    title: str
    status: str
    status_label: str
    due_at: datetime = Field(description="What the queue sorts by: the target, or since when it has waited.")
    due_label: str
    target: datetime | None = Field(description="Its own target or deadline, if it has one.")
    waiting_since: datetime | None
    breached: bool = Field(description="Its target has passed.")
    waiting_on: str
    assignee: str | None
    amount: MoneyOut | None = Field(description="The order's price, when the item concerns an order.")
    reason: str = Field(description="A dispute's reason, or a ticket's category.")
    why: str = Field(description="Why it is in the queue: who escalated or appealed, what a party is asked.")
    people: list[str] = Field(description="Usernames: buyer and seller, or the ticket's owner.")

    @classmethod
    def of(cls, item: queries.InboxItem) -> QueueItemOut:
        return cls(
            kind=item.kind,  # type: ignore[arg-type]
            id=item.ref,
            case_id=item.case_ref,
            title=item.title,
            status=item.status,
            status_label=item.status_label,
            due_at=item.due_at,
            due_label=item.due_label,
            target=item.target,
            waiting_since=item.waiting_since,
            breached=item.breach,
            waiting_on=item.waiting_on,
            assignee=item.assignee,
            amount=MoneyOut.of(item.amount) if item.amount else None,
            reason=item.reason,
            why=item.why,
            people=list(item.people),
        )


class QueuePage(Schema):
    items: list[QueueItemOut]
    next_cursor: str | None


@router.get("/staff/queue", response={200: QueuePage, **ERRORS})
def staff_queue(
    request: HttpRequest,
    kind: QueueKind = "all",
    status: QueueStatus = "all",
    assignee: str = Query("all", max_length=150, description="all, me, unassigned or a staff username."),
    reason: str = Query("", max_length=24, description="A dispute reason; leaves tickets out."),
    q: str = Query("", max_length=queries.MAX_SEARCH, description="An id prefix, a title or a username."),
    cursor: str | None = None,
    limit: int | None = None,
) -> QueuePage:
    """What is due for the administration, most pressing first (staff only): escalated and
    appealed disputes by their decision target (or since when they have waited), questions to a
    party by their answer deadline, open tickets by their response target. Cases the caller is a
    party to are left out."""
    user = require_staff(request)
    size = clamp_limit(limit)
    staff = {s.username for s in ticket_queries.staff_members()}
    if assignee not in queries.ASSIGNEES and assignee not in staff:
        raise ValidationFailed("No staff member with that username.", fields={"assignee": ["unknown"]})
    if reason and reason not in Reason.values:
        raise ValidationFailed("No such dispute reason.", fields={"reason": ["unknown"]})
    filters = queries.Filters.from_query(
        {"kind": kind, "status": status, "assignee": assignee, "reason": reason, "q": q}, viewer=user, staff=staff
    )
    position = queries.decode_position(cursor) if cursor else None
    found = queries.after(filters, now=clock.now(), position=position, limit=size)
    return QueuePage(
        items=[QueueItemOut.of(i) for i in found.items],
        next_cursor=queries.encode_position(found.next) if found.next else None,
    )
