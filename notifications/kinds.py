"""Every kind of notification Parley sends. Each has a text and an HTML e-mail template,
`notifications/templates/notifications/mail/<kind>.txt|.html` (a test keeps it so)."""

from __future__ import annotations

ORDER = (
    "order.placed",
    "order.delivered",
    "order.completed",
    "order.auto_completed",
    "order.cancelled",
    "order.auto_cancelled",
    "order.delivery_due_soon",
    "order.delivery_overdue",
    "order.guarantee_ending",
    "order.seller_suspended",
    "order.payout_held",
    "order.message",
)
DISPUTE = (
    "dispute.opened",
    "dispute.message",
    "dispute.proposal_made",
    "dispute.proposal_accepted",
    "dispute.proposal_rejected",
    "dispute.return_shipped",
    "dispute.redelivered",
    "dispute.escalated",
    "dispute.assigned",
    "dispute.info_requested",
    "dispute.info_answered",
    "dispute.info_forfeited",
    "dispute.reminder",
    "dispute.idle_reminder",
    "dispute.decided",
    "dispute.decision_final",
    "dispute.appealed",
    "dispute.resolved",
)
TICKET = (
    "ticket.answered",
    "ticket.replied",
    "ticket.assigned",
    "ticket.reminder",
    "ticket.resolved",
    "ticket.auto_resolved",
    "ticket.reopened",
)
WALLET = ("wallet.withdrawal_paid", "wallet.withdrawal_failed", "wallet.charged_back", "wallet.hold_released")
ACCOUNT = ("account.suspended", "account.reinstated")
WEBHOOK = ("webhook.disabled",)
ALL = ORDER + DISPUTE + TICKET + WALLET + ACCOUNT + WEBHOOK
