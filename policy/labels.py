"""What the policy's rules are called where a page names one ("rule: guarantee window"): the
preset's field names, in the reader's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RULES = {
    "guarantee_window": _("guarantee window"),
    "min_order_age": _("minimum order age"),
    "seller_response_due": _("seller's response deadline"),
    "seller_silence_action": _("a silent seller"),
    "escalation_available_after": _("escalation allowed after"),
    "auto_escalate_after": _("automatic escalation"),
    "info_request_due": _("deadline to answer the administration"),
    "max_seller_keep_on_return": _("what the seller may keep on a return"),
    "return_ship_due": _("deadline to send the item back"),
    "return_receive_due": _("deadline to confirm the returned item"),
    "redelivery_due": _("deadline for the new delivery"),
    "ticket_autoclose_after": _("ticket closes by itself"),
    "payout_hold": _("payout hold"),
    "delivery_due": _("delivery deadline"),
    "auto_cancel_after": _("automatic cancellation"),
    "decision_target": _("decision target"),
    "appeal_window": _("appeal window"),
    "idle_dispute_reminder_after": _("reminder of an idle dispute"),
}
