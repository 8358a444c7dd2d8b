"""What the staff pages show beside a case: its internal notes and the canned replies filled
in for it (`{% load staff_desk %}`)."""

from __future__ import annotations

from django import template

from desk import canned
from disputes.models import Dispute, InternalNote
from tickets.models import Ticket

register = template.Library()


@register.simple_tag
def internal_notes(dispute: Dispute) -> list[InternalNote]:
    """The case's internal notes, oldest first (staff pages only)."""
    return list(InternalNote.objects.filter(dispute=dispute).select_related("author").order_by("created_at", "id"))


@register.simple_tag
def canned_for(subject: Dispute | Ticket) -> list[tuple[object, str]]:
    """Every canned reply with its text for this dispute or ticket."""
    values = canned.values_for_dispute(subject) if isinstance(subject, Dispute) else canned.values_for_ticket(subject)
    return list(canned.rendered(values))
