"""The payments deadlines: the backstop that submits a withdrawal the request could not."""

from __future__ import annotations

from core.deadlines import handles
from core.models import Deadline
from payments import actions


@handles(actions.SUBMIT_WITHDRAWAL)
def submit_withdrawal(deadline: Deadline) -> str:
    withdrawal = actions.submit_withdrawal(withdrawal_id=deadline.subject_id)
    return f"withdrawal {withdrawal.public_id} {withdrawal.status}"
