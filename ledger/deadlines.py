"""The ledger's deadline: releasing held proceeds at their time."""

from __future__ import annotations

from core.actors import SystemActor
from core.deadlines import handles
from core.models import Deadline
from ledger import holds


@handles(holds.RELEASE)
def release_hold(deadline: Deadline) -> str:
    hold = holds.release(hold_id=deadline.subject_id, by=SystemActor(rule="payout_hold"))
    return f"released {hold.amount} {hold.currency} of order {hold.order.public_id}"
