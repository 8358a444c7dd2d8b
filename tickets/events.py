"""The audit events of the domain: each code named once, beside the sentence it reads as on a
timeline (`core.timeline.event`); actions record it by that name."""

from __future__ import annotations

from core.timeline import event

TICKET_OPENED = event("ticket.opened", "{actor} opened the ticket")
TICKET_ANSWERED = event("ticket.answered", "{actor} answered")
TICKET_REPLIED = event("ticket.replied", "{actor} replied")
TICKET_NOTE_ADDED = event("ticket.note_added", "{actor} added an internal note")
TICKET_RESOLVED = event("ticket.resolved", "{actor} marked the ticket resolved")
TICKET_AUTO_RESOLVED = event("ticket.auto_resolved", "The ticket had no reply after the answer and resolved by itself")
TICKET_REOPENED = event("ticket.reopened", "{actor} reopened the ticket")
TICKET_ASSIGNED = event("ticket.assigned", "{actor} assigned the ticket to {assignee}")
TICKET_DISPUTE_LINKED = event("ticket.dispute_linked", "{actor} linked the ticket to dispute {dispute}")
CONTACTS_UPDATED = event("contacts.updated", "{actor} updated the contacts page")
