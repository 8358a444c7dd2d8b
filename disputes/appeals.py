"""Decisions that wait for their appeal window (PRODUCT.md §15, policy `appeal_window`).

A first decision of the administration makes the dispute `decided`: its terms are stored, the
money stays in escrow and the order stays `disputed`. It takes effect exactly once, when the
window closes (the `dispute.appeal_window` deadline) or as soon as both parties accept it.
Either party may appeal once within the window, with a reason: the dispute becomes `appealed`
and waits for another staff member, whose decision is final (`mediation.decide`)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit, clock, deadlines, locale
from core.actors import Actor, SystemActor
from core.deadlines import handles
from core.errors import NotAllowedInState
from core.models import Deadline
from core.text import clean_text
from disputes import events, lifecycle, reasons
from disputes.kinds import APPEAL_WINDOW
from disputes.models import Dispute
from disputes.outcomes import Effect, split_of
from disputes.resolution import resolution_of
from disputes.verdicts import party_of, verdict


def enter_decided(dispute: Dispute, effect: Effect, *, by: User, note: str, findings: list[str]) -> None:
    """Stores a first decision and opens its appeal window (the caller holds the dispute's lock)."""
    now = clock.now()
    window = dispute.order.policy.appeal_window
    assert window is not None
    dispute.status = Dispute.Status.DECIDED
    dispute.decided_at, dispute.appeal_until = now, now + window
    dispute.first_decider = dispute.decided_by_user = by
    dispute.decided_by, dispute.resolution_note = "administrator", note
    lifecycle.record_findings(dispute, findings)
    dispute.decision_accepted_by = []
    dispute.pending_decision = {
        "kind": effect.kind,
        "outcome": effect.outcome,
        "buyer_refund": effect.buyer_refund,
        "keep_percent": effect.keep_percent,
    }
    split = split_of(dispute.order, effect)
    dispute.reasons = reasons.statement(
        dispute,
        outcome=effect.outcome,
        split=split,
        decided_by="administrator",
        by=by,
        note=note,
        findings=findings,
        appeal_until=dispute.appeal_until,
    )
    lifecycle.lapse_proposals(dispute, now=now)
    lifecycle.close_info_requests(dispute, reason="decided")
    deadlines.schedule(kind=APPEAL_WINDOW, due_at=dispute.appeal_until, subject=dispute, party="")
    shown = resolution_of(dispute)  # the mail states the decision as the case's read model does
    assert shown is not None
    lifecycle.notify_parties(
        dispute,
        code="dispute.decided",
        title=lambda: _("The administration decided on dispute %(public_id)s") % {"public_id": dispute.public_id},
        body=lambda: (
            _(
                "Outcome: %(replace)s: %(to_buyer)s to the buyer, %(seller_payout)s to the "
                "seller. %(note)s\n\nEither of you may appeal once, with a reason, until "
                "%(appeal_until)s; another staff member then decides, finally. The money stays "
                "in escrow until then, or until both of you accept the decision."
            )
            % {
                "replace": shown.outcome.replace("_", " "),
                "to_buyer": shown.split.to_buyer,
                "seller_payout": shown.split.seller_payout,
                "note": note,
                "appeal_until": locale.when(dispute.appeal_until),
            }
        ),
    )


def pending_effect(dispute: Dispute) -> Effect:
    terms: dict[str, Any] = dispute.pending_decision or {}
    if not terms:
        raise NotAllowedInState(_("No decision is waiting."))
    return Effect(terms["kind"], terms["outcome"], terms["buyer_refund"], terms["keep_percent"])


def _take_effect(dispute: Dispute, *, by: Actor, role: str) -> None:
    from disputes.mediation import carry_out  # mediation imports this module

    effect = pending_effect(dispute)
    dispute.pending_decision = None
    deadlines.cancel(subject=dispute, kinds=[APPEAL_WINDOW], reason="decision final")
    carry_out(dispute, effect, by=by, role=role, note=dispute.resolution_note, findings=list(dispute.findings))


def appeal(*, dispute_id: int, by: User, reason: str) -> Dispute:
    """A party appeals the decision, once, within the window: the case goes to another staff
    member; the money stays where it is."""
    reason = clean_text(reason, "reason", required=True, what="why you appeal")
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        now = clock.now()
        verdict(dispute, "appeal", by=by, now=now).require()
        role = party_of(dispute, by)
        assert role is not None
        dispute.status = Dispute.Status.APPEALED
        dispute.appealed_at, dispute.appealed_by, dispute.appeal_reason = now, role, reason
        target = dispute.order.policy.decision_target
        dispute.decision_due_at = now + target if target is not None else None
        if dispute.assignee_id == dispute.first_decider_id:
            dispute.assignee = None  # the appeal is someone else's to decide
        deadlines.cancel(subject=dispute, kinds=[APPEAL_WINDOW], reason="appealed")
        audit.record(events.DISPUTE_APPEALED, subject=dispute, by=by, role=role, data={"reason": reason[:500]})
        lifecycle.notify_parties(
            dispute,
            skip=by,
            code="dispute.appealed",
            title=lambda: (
                (
                    _("The buyer appealed the decision on dispute %(public_id)s")
                    if role == "buyer"
                    else _("The seller appealed the decision on dispute %(public_id)s")
                )
                % {"public_id": dispute.public_id}
            ),
            body=lambda: (
                _("%(value)s\n\nAnother staff member will decide the case; that decision is final.")
                % {"value": reason[:500]}
            ),
        )
        lifecycle.finish(dispute)
    return dispute


def accept_decision(*, dispute_id: int, by: User) -> Dispute:
    """A party accepts the decision; once both have, it takes effect without waiting."""
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        verdict(dispute, "accept_decision", by=by, now=clock.now()).require()
        role = party_of(dispute, by)
        assert role is not None
        dispute.decision_accepted_by = sorted({*dispute.decision_accepted_by, role})
        audit.record(events.DISPUTE_DECISION_ACCEPTED, subject=dispute, by=by, role=role)
        if set(dispute.decision_accepted_by) >= {"buyer", "seller"}:
            _take_effect(dispute, by=by, role=role)
        lifecycle.finish(dispute)
    return dispute


@handles(APPEAL_WINDOW)
def appeal_window_closed(deadline: Deadline) -> str:
    """Nobody appealed in time: the decision takes effect, once."""
    by = SystemActor(rule="appeal_window")
    with transaction.atomic():
        dispute = lifecycle.lock(deadline.subject_id)
        verdict(dispute, "settle_decision", by=by, now=clock.now()).require()
        _take_effect(dispute, by=by, role="system")
        lifecycle.finish(dispute)
    return "the decision took effect: the appeal window closed"
