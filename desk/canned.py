"""Canned replies filled in for the case or ticket they are used on. The variables a body may
name are VARIABLES; any other `{…}` stays as written, so a reply never fails to render."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from desk.models import CannedReply
from disputes import queries as dispute_queries
from disputes.models import Dispute
from tickets import queries as ticket_queries
from tickets.models import Ticket

VARIABLES = {
    "buyer": _("the buyer's username"),
    "seller": _("the seller's username"),
    "owner": _("who opened the ticket (the buyer on a dispute)"),
    "order_title": _("the order's title, as the buyer saw it"),
    "case_id": _("the dispute's or ticket's id"),
    "deadline": _("the nearest deadline or target, in UTC"),
}
_NAME = re.compile(r"\{([a-z_]+)\}")


def render(body: str, values: Mapping[str, str]) -> str:
    """`body` with each known `{variable}` replaced by its value."""
    return _NAME.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def _when(at: datetime | None) -> str:
    return f"{at:%d %b %Y %H:%M} UTC" if at else ""


def values_for_dispute(dispute: Dispute) -> dict[str, str]:
    order = dispute.order
    deadlines = dispute_queries.deadlines_of(dispute)
    nearest = min(
        [d.at for d in deadlines] + ([dispute.decision_due_at] if dispute.decision_due_at else []), default=None
    )
    return {
        "buyer": order.buyer.username,
        "seller": order.seller.username,
        "owner": order.buyer.username,
        "order_title": str(order.listing_snapshot.get("title", "")),
        "case_id": dispute.public_id,
        "deadline": _when(nearest),
    }


def values_for_ticket(ticket: Ticket) -> dict[str, str]:
    order = ticket.order
    return {
        "buyer": order.buyer.username if order else "",
        "seller": order.seller.username if order else "",
        "owner": ticket.owner.username,
        "order_title": str(order.listing_snapshot.get("title", "")) if order else "",
        "case_id": ticket.public_id,
        "deadline": _when(ticket_queries.response_due(ticket)),
    }


def rendered(values: Mapping[str, str]) -> list[tuple[CannedReply, str]]:
    """Every canned reply with its text for these values, by title."""
    return [(reply, render(reply.body, values)) for reply in all_replies()]


def all_replies() -> QuerySet[CannedReply]:
    return CannedReply.objects.select_related("created_by").order_by("title", "id")
