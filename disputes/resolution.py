"""How a dispute ended, or the decision waiting for its appeal window: the part of the case's
read model (`disputes.read_model`) that the dispute's own actions also read, for the e-mails
they send as the case resolves or is decided. It imports nothing of the actions, so they can."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.money import Money
from disputes.models import Dispute
from policy.rules import Split


def split_from(amounts: Mapping[str, Mapping[str, Any]]) -> Split:
    """A split as `Split.as_dict()` stored it (the settlement, a statement's amounts)."""
    parts = {name: Money(int(m["amount"]), str(m["currency"])) for name, m in amounts.items()}
    return Split(**parts)


@dataclass(frozen=True, slots=True)
class ResolutionView:
    """How the case ended (`final`), or the decision waiting for its appeal window to pass."""

    final: bool
    outcome: str
    decided_by: str
    decided_by_user: str | None
    first_decider: str | None
    note: str
    seller_error: bool
    findings: tuple[str, ...]
    resolved_at: datetime | None
    split: Split
    reasons: Mapping[str, Any] | None  # the statement of reasons (PRODUCT.md §15)


def resolution_of(dispute: Dispute) -> ResolutionView | None:
    """The settlement once resolved; while decided or appealed, the decision's own amounts."""
    statement = dispute.reasons
    if dispute.status == Dispute.Status.RESOLVED and dispute.settlement and dispute.resolved_at is not None:
        amounts, final, outcome = dispute.settlement, True, dispute.outcome
    elif dispute.status in (Dispute.Status.DECIDED, Dispute.Status.APPEALED) and statement:
        amounts, final, outcome = statement["amounts"], False, statement["outcome"]
    else:
        return None
    return ResolutionView(
        final=final,
        outcome=outcome,
        decided_by=dispute.decided_by,
        decided_by_user=dispute.decided_by_user.username if dispute.decided_by_user else None,
        first_decider=dispute.first_decider.username if dispute.first_decider else None,
        note=dispute.resolution_note,
        seller_error=dispute.seller_error,
        findings=tuple(dispute.findings),
        resolved_at=dispute.resolved_at if final else None,
        split=split_from(amounts),
        reasons=statement or None,
    )
