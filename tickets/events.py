"""The audit events of the domain: each code named once, beside the sentence it reads as on a
timeline (`core.timeline.event`); actions record it by that name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.timeline import event

TICKET_OPENED = event("ticket.opened", _("{actor} opened the ticket"))
TICKET_ANSWERED = event("ticket.answered", _("{actor} answered"))
TICKET_REPLIED = event("ticket.replied", _("{actor} replied"))
TICKET_NOTE_ADDED = event("ticket.note_added", _("{actor} added an internal note"))
TICKET_RESOLVED = event("ticket.resolved", _("{actor} marked the ticket resolved"))
TICKET_AUTO_RESOLVED = event(
    "ticket.auto_resolved", _("The ticket had no reply after the answer and resolved by itself")
)
TICKET_REOPENED = event("ticket.reopened", _("{actor} reopened the ticket"))
TICKET_ASSIGNED = event("ticket.assigned", _("{actor} assigned the ticket to {assignee}"))
TICKET_DISPUTE_LINKED = event("ticket.dispute_linked", _("{actor} linked the ticket to dispute {dispute}"))
CONTACTS_UPDATED = event("contacts.updated", _("{actor} updated the contacts page"))
