"""Facts from outside the dispute that belong in its case file: a listing edited while a
dispute about an order of it is open (PRODUCT.md §3: the order keeps what the buyer saw; the
timeline shows what changed after, and when)."""

from __future__ import annotations

from typing import Any

from accounts.models import User
from catalog.models import Listing
from core import audit
from disputes import events
from disputes.models import Dispute


def listing_changed(*, listing: Listing, by: User, changes: dict[str, dict[str, Any]]) -> int:
    """Writes `dispute.listing_changed` (with each field's old and new text) on every open
    dispute about an order of `listing`; returns how many. Runs in the edit's transaction."""
    disputes = Dispute.objects.filter(order__listing=listing).exclude(status=Dispute.Status.RESOLVED)
    brief = {k: {"from": str(v["from"])[:500], "to": str(v["to"])[:500]} for k, v in changes.items()}
    count = 0
    for dispute in disputes.select_related("order"):
        summary = "; ".join(f"{field} from “{v['from'][:80]}” to “{v['to'][:80]}”" for field, v in brief.items())
        audit.record(
            events.DISPUTE_LISTING_CHANGED,
            subject=dispute,
            by=by,
            role="seller",
            data={"changes": brief, "summary": summary},
        )
        count += 1
    return count
