"""The audit events of the domain: each code named once, beside the sentence it reads as on a
timeline (`core.timeline.event`); actions record it by that name."""

from __future__ import annotations

from core.timeline import event

DISPUTE_OPENED = event("dispute.opened", "{actor} opened a dispute ({reason}), asking for: {requested}")
DISPUTE_RESPONDED = event("dispute.responded", "{actor} responded to the dispute")
DISPUTE_PROPOSAL_MADE = event(
    "dispute.proposal_made", "{actor} proposed: {kind} ({buyer_gets} to the buyer, {seller_gets} to the seller)"
)
DISPUTE_PROPOSAL_ACCEPTED = event("dispute.proposal_accepted", "{actor} accepted the proposal: {kind}")
DISPUTE_PROPOSAL_REJECTED = event("dispute.proposal_rejected", "{actor} rejected the proposal: {kind}")
DISPUTE_ESCALATED = event("dispute.escalated", "{actor} brought in the administration")
DISPUTE_RETURN_STARTED = event("dispute.return_started", "A return was agreed; the seller keeps {keep_percent} %")
DISPUTE_RETURN_SHIPPED = event("dispute.return_shipped", "{actor} sent the item back")
DISPUTE_RETURN_RECEIVED = event("dispute.return_received", "{actor} confirmed the returned item arrived")
DISPUTE_REDELIVERY_STARTED = event("dispute.redelivery_started", "A new delivery by the seller was agreed")
DISPUTE_REDELIVERED = event("dispute.redelivered", "{actor} delivered again")
DISPUTE_REDELIVERY_CONFIRMED = event("dispute.redelivery_confirmed", "{actor} confirmed the new delivery")
DISPUTE_STEP_MISSED = event("dispute.step_missed", "A deadline was missed ({step})")
DISPUTE_EVIDENCE_ADDED = event("dispute.evidence_added", "{actor} added evidence: {file} (SHA-256 {sha256})")
DISPUTE_NOTE_ADDED = event("dispute.note_added", "{actor} added an internal note to case {dispute}")
DISPUTE_ASSIGNED = event("dispute.assigned", "{actor} assigned the case to {assignee}")
DISPUTE_INFO_REQUESTED = event("dispute.info_requested", "{actor} asked the {party} for information: {question}")
DISPUTE_INFO_ANSWERED = event("dispute.info_answered", "{actor} answered the administration")
DISPUTE_INFO_FORFEITED = event(
    "dispute.info_forfeited", "The {party} did not answer the administration in time and forfeits"
)
DISPUTE_FORFEIT_NEEDS_DECISION = event(
    "dispute.forfeit_needs_decision",
    "A delivered service is refunded only for a seller error: a mediator decides the case",
)
DISPUTE_FORFEIT_UNDELIVERED = event(
    "dispute.forfeit_undelivered",
    "Nothing was delivered, so the buyer's forfeit cannot pay the seller: a mediator decides the case",
)
DISPUTE_FORFEIT_NOT_AUTOMATIC = event(
    "dispute.forfeit_not_automatic",
    "What the buyer asks for cannot be carried out by a forfeit: a mediator decides the case",
)
DISPUTE_DECIDED = event("dispute.decided", "{actor} decided: {outcome}. {note}")
DISPUTE_IDLE_REMINDED = event(
    "dispute.idle_reminded", "Nothing happened for {idle}: Parley reminded both sides of their options"
)
DISPUTE_LISTING_CHANGED = event("dispute.listing_changed", "{actor} edited the listing during the dispute: {summary}")
DISPUTE_APPEALED = event("dispute.appealed", "{actor} appealed the decision: {reason}")
DISPUTE_DECISION_ACCEPTED = event("dispute.decision_accepted", "{actor} accepted the decision")
DISPUTE_RESOLVED = event(
    "dispute.resolved",
    "The dispute was resolved: {outcome} ({decided_by}); {buyer_refund} refunded, {fee_refund} fee refunded, "
    "{seller_payout} to the seller",
)
