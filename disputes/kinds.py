"""The kinds of deadline a dispute has (rows of `core.models.Deadline`)."""

from __future__ import annotations

SELLER_RESPONSE = "dispute.seller_response"
AUTO_ESCALATE = "dispute.auto_escalate"
RETURN_SHIP = "dispute.return_ship"
RETURN_RECEIVE = "dispute.return_receive"
REDELIVERY = "dispute.redelivery"
REDELIVERY_CONFIRM = "dispute.redelivery_confirm"
INFO_ANSWER = "dispute.info_answer"
APPEAL_WINDOW = "dispute.appeal_window"  # a decision settles when its appeal window closes
# A dispute nobody touched for `idle_dispute_reminder_after` reminds both sides of their options.
# A reminder by its name: it pre-empts nothing.
IDLE = "dispute.idle.reminder"
REMINDED = (SELLER_RESPONSE, RETURN_SHIP, RETURN_RECEIVE, REDELIVERY, REDELIVERY_CONFIRM, INFO_ANSWER)
# What these do when missed: bring in the administration (the seller's silence too, unless the
# policy refunds the buyer instead).
ESCALATING = frozenset({AUTO_ESCALATE, RETURN_SHIP, RETURN_RECEIVE, REDELIVERY})


REMINDER_SUFFIX = ".reminder"


def reminder_kind(kind: str) -> str:
    return kind + REMINDER_SUFFIX


def is_reminder(kind: str) -> bool:
    return kind.endswith(REMINDER_SUFFIX)
