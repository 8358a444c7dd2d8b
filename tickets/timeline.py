from core import timeline

timeline.register(
    {
        "ticket.opened": "{actor} opened the ticket",
        "ticket.answered": "{actor} answered",
        "ticket.replied": "{actor} replied",
        "ticket.note_added": "{actor} added an internal note",
        "ticket.resolved": "{actor} marked the ticket resolved",
        "ticket.auto_resolved": "The ticket had no reply after the answer and resolved by itself",
        "ticket.reopened": "{actor} reopened the ticket",
        "ticket.assigned": "{actor} assigned the ticket to {assignee}",
        "ticket.dispute_linked": "{actor} linked the ticket to dispute {dispute}",
        "contacts.updated": "{actor} updated the contacts page",
    }
)
