"""The audit events of the domain: each code named once, beside the sentence it reads as on a
timeline (`core.timeline.event`); actions record it by that name."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.timeline import event, vocabulary
from disputes.models import DecisionOutcome, Dispute, ProposalKind, Reason
from policy import rules
from policy.schema import parse_duration

DISPUTE_OPENED = event("dispute.opened", _("{actor} opened a dispute ({reason}), asking for: {requested}"))
DISPUTE_RESPONDED = event("dispute.responded", _("{actor} responded to the dispute"))
DISPUTE_PROPOSAL_MADE = event(
    "dispute.proposal_made", _("{actor} proposed: {kind} ({buyer_gets} to the buyer, {seller_gets} to the seller)")
)
DISPUTE_PROPOSAL_ACCEPTED = event("dispute.proposal_accepted", _("{actor} accepted the proposal: {kind}"))
DISPUTE_PROPOSAL_REJECTED = event("dispute.proposal_rejected", _("{actor} rejected the proposal: {kind}"))
DISPUTE_ESCALATED = event("dispute.escalated", _("{actor} brought in the administration"))
DISPUTE_RETURN_STARTED = event("dispute.return_started", _("A return was agreed; the seller keeps {keep_percent} %"))
DISPUTE_RETURN_SHIPPED = event("dispute.return_shipped", _("{actor} sent the item back"))
DISPUTE_RETURN_RECEIVED = event("dispute.return_received", _("{actor} confirmed the returned item arrived"))
DISPUTE_REDELIVERY_STARTED = event("dispute.redelivery_started", _("A new delivery by the seller was agreed"))
DISPUTE_REDELIVERED = event("dispute.redelivered", _("{actor} delivered again"))
DISPUTE_REDELIVERY_CONFIRMED = event("dispute.redelivery_confirmed", _("{actor} confirmed the new delivery"))
DISPUTE_STEP_MISSED = event("dispute.step_missed", _("A deadline was missed ({step})"))
DISPUTE_EVIDENCE_ADDED = event("dispute.evidence_added", _("{actor} added evidence: {file} (SHA-256 {sha256})"))
DISPUTE_NOTE_ADDED = event("dispute.note_added", _("{actor} added an internal note to case {dispute}"))
DISPUTE_ASSIGNED = event("dispute.assigned", _("{actor} assigned the case to {assignee}"))
DISPUTE_INFO_REQUESTED = event(
    "dispute.info_requested",
    {
        "buyer": _("{actor} asked the buyer for information: {question}"),
        "seller": _("{actor} asked the seller for information: {question}"),
    },
)
DISPUTE_INFO_ANSWERED = event("dispute.info_answered", _("{actor} answered the administration"))
DISPUTE_INFO_FORFEITED = event(
    "dispute.info_forfeited",
    {
        "buyer": _("The buyer did not answer the administration in time and forfeits"),
        "seller": _("The seller did not answer the administration in time and forfeits"),
    },
)
DISPUTE_FORFEIT_NEEDS_DECISION = event(
    "dispute.forfeit_needs_decision",
    _("A delivered service is refunded only for a seller error: a mediator decides the case"),
)
DISPUTE_FORFEIT_UNDELIVERED = event(
    "dispute.forfeit_undelivered",
    _("Nothing was delivered, so the buyer's forfeit cannot pay the seller: a mediator decides the case"),
)
DISPUTE_FORFEIT_NOT_AUTOMATIC = event(
    "dispute.forfeit_not_automatic",
    _("What the buyer asks for cannot be carried out by a forfeit: a mediator decides the case"),
)
DISPUTE_DECIDED = event("dispute.decided", _("{actor} decided: {outcome}. {note}"))
DISPUTE_IDLE_REMINDED = event(
    "dispute.idle_reminded", _("Nothing happened for {idle}: Parley reminded both sides of their options")
)
DISPUTE_LISTING_CHANGED = event(
    "dispute.listing_changed", _("{actor} edited the listing during the dispute: {summary}")
)
DISPUTE_APPEALED = event("dispute.appealed", _("{actor} appealed the decision: {reason}"))
DISPUTE_DECISION_ACCEPTED = event("dispute.decision_accepted", _("{actor} accepted the decision"))
DISPUTE_RESOLVED = event(
    "dispute.resolved",
    _(
        "The dispute was resolved: {outcome} ({decided_by}); {buyer_refund} refunded, {fee_refund} fee refunded, "
        "{seller_payout} to the seller"
    ),
)

# How the codes these events hold read inside their sentences.
vocabulary("reason", dict(Reason.choices))
vocabulary("requested", dict(ProposalKind.choices))
vocabulary("kind", dict(ProposalKind.choices))
vocabulary("outcome", dict(ProposalKind.choices), dict(DecisionOutcome.choices))
vocabulary(
    "decided_by",
    {
        Dispute.DecidedBy.AGREEMENT: _("by agreement"),
        Dispute.DecidedBy.ADMINISTRATOR: _("by the administration"),
        Dispute.DecidedBy.TIMEOUT: _("by a deadline"),
        Dispute.DecidedBy.FORFEIT: _("by a forfeit"),
        Dispute.DecidedBy.WITHDRAWAL: _("by withdrawal"),
    },
)
vocabulary(
    "step",
    {
        "ship": _("sending the item back"),
        "receive": _("confirming the returned item arrived"),
        "redeliver": _("the new delivery"),
    },
)


def _duration(value: str) -> str | None:
    """ "72h" as the reader says it ("72 hours", «72 часа»); older events stored the English words."""
    try:
        span = parse_duration(value)
    except ValueError:
        return None
    return rules.humane(span) if span is not None else None


vocabulary("idle", _duration)
