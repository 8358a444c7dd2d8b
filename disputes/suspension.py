"""A suspended party's open disputes go to the administration (PRODUCT.md §14). Called inside
`accounts.actions.suspend`/`reinstate`, which hold the user's lock; each dispute is locked here
(its order first, as every dispute action does), and the reason is on the case timeline.

The other side keeps waiting on someone who cannot answer otherwise: a mediator takes the case
at once. The words the administration wrote to the suspended user stay between them; the case
timeline says that the party's account is suspended."""

from __future__ import annotations

from django.db.models import Q

from accounts import events as accounts_events
from accounts.models import User
from core import audit
from core.actors import SystemActor
from disputes import lifecycle
from disputes.models import Dispute
from disputes.states import TRANSITIONS

ESCALATABLE = TRANSITIONS["escalate"].sources
SUSPENSION_RULE = "party_suspended"


def party_suspended(user: User, *, by: User) -> int:
    """Escalates every dispute of the user's that can be; returns how many were escalated."""
    escalated = 0
    for dispute in _open_disputes(user):
        audit.record(
            accounts_events.DISPUTE_PARTY_SUSPENDED,
            subject=dispute,
            by=by,
            role="staff",
            data={"party": _party(dispute, user)},
        )
        if dispute.status in ESCALATABLE:
            lifecycle.escalate(dispute, by=SystemActor(rule=SUSPENSION_RULE), role="system")
            escalated += 1
        lifecycle.finish(dispute)
    return escalated


def escalate_if_seller_suspended(dispute: Dispute) -> None:
    """A dispute opened against a seller who is suspended goes to the administration at once,
    like the disputes that were open when the suspension came (the seller cannot answer)."""
    seller = dispute.order.seller
    seller.refresh_from_db(fields=["is_active"])  # as committed now, not as joined to the order
    if seller.is_active or dispute.status not in ESCALATABLE:
        return
    by = SystemActor(rule=SUSPENSION_RULE)
    audit.record(
        accounts_events.DISPUTE_PARTY_SUSPENDED, subject=dispute, by=by, role="system", data={"party": "seller"}
    )
    lifecycle.escalate(dispute, by=by, role="system")


def party_reinstated(user: User, *, by: User) -> int:
    """Escalation is not undone (a mediator has the case); the timeline says the party is back."""
    disputes = _open_disputes(user)
    for dispute in disputes:
        audit.record(
            accounts_events.DISPUTE_PARTY_REINSTATED,
            subject=dispute,
            by=by,
            role="staff",
            data={"party": _party(dispute, user)},
        )
    return len(disputes)


def _open_disputes(user: User) -> list[Dispute]:
    ids = (
        Dispute.objects.filter(Q(order__buyer=user) | Q(order__seller=user))
        .exclude(status=Dispute.Status.RESOLVED)
        .order_by("order_id", "id")
        .values_list("id", flat=True)
    )
    locked = [lifecycle.lock(dispute_id) for dispute_id in ids]
    return [d for d in locked if d.status != Dispute.Status.RESOLVED]


def _party(dispute: Dispute, user: User) -> str:
    return "buyer" if dispute.order.buyer_id == user.pk else "seller"
