from core import timeline

timeline.register(
    {
        "dispute.opened": "{actor} opened a dispute ({reason}), asking for: {requested}",
        "dispute.responded": "{actor} responded to the dispute",
        "dispute.proposal_made": "{actor} proposed: {kind} ({buyer_gets} to the buyer, {seller_gets} to the seller)",
        "dispute.proposal_accepted": "{actor} accepted the proposal: {kind}",
        "dispute.proposal_rejected": "{actor} rejected the proposal: {kind}",
        "dispute.escalated": "{actor} brought in the administration",
        "dispute.return_started": "A return was agreed; the seller keeps {keep_percent} %",
        "dispute.return_shipped": "{actor} sent the item back",
        "dispute.return_received": "{actor} confirmed the returned item arrived",
        "dispute.redelivery_started": "A new delivery by the seller was agreed",
        "dispute.redelivered": "{actor} delivered again",
        "dispute.redelivery_confirmed": "{actor} confirmed the new delivery",
        "dispute.step_missed": "A deadline was missed ({step})",
        "dispute.evidence_added": "{actor} added evidence: {file} (SHA-256 {sha256})",
        "dispute.note_added": "{actor} added an internal note to case {dispute}",
        "dispute.assigned": "{actor} assigned the case to {assignee}",
        "dispute.info_requested": "{actor} asked the {party} for information: {question}",
        "dispute.info_answered": "{actor} answered the administration",
        "dispute.info_forfeited": "The {party} did not answer the administration in time and forfeits",
        "dispute.forfeit_needs_decision": "A delivered service is refunded only for a seller error: "
        "a mediator decides the case",
        "dispute.forfeit_undelivered": "Nothing was delivered, so the buyer's forfeit cannot pay the seller: "
        "a mediator decides the case",
        "dispute.forfeit_not_automatic": "What the buyer asks for cannot be carried out by a forfeit: "
        "a mediator decides the case",
        "dispute.decided": "{actor} decided: {outcome}. {note}",
        "dispute.idle_reminded": "Nothing happened for {idle}: Parley reminded both sides of their options",
        "dispute.listing_changed": "{actor} edited the listing during the dispute: {summary}",
        "dispute.appealed": "{actor} appealed the decision: {reason}",
        "dispute.decision_accepted": "{actor} accepted the decision",
        "dispute.resolved": "The dispute was resolved: {outcome} ({decided_by}); {buyer_refund} refunded, "
        "{fee_refund} fee refunded, {seller_payout} to the seller",
    }
)
