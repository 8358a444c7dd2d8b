"""The case file: everything about a dispute in one document (JSON, or printed), with its
timeline, rules, evidence digests, decision and ledger lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chat import queries as chat_queries
from core import clock, timeline
from disputes import queries
from disputes.models import Dispute, Proposal
from disputes.verdicts import status_label
from ledger import queries as ledger_queries
from orders.models import Order
from policy import rules

SPLIT_PARTS = ("buyer_refund", "fee_refund", "seller_payout", "platform_fee")


def case_file(dispute: Dispute) -> dict[str, Any]:
    order = dispute.order
    return {
        "exported_at": clock.now().isoformat(),
        "dispute": _dispute(dispute),
        "order": _order(order),
        "rules": {
            "policy": order.policy_version.label,
            "values": order.policy_version.values,
            "in_words": rules.describe(order.policy),
        },
        "proposals": [_proposal(p) for p in queries.proposals_of(dispute)],
        "information_requests": [
            {
                "id": r.public_id,
                "party": r.party,
                "question": r.question,
                "asked_at": _at(r.asked_at),
                "due_at": _at(r.due_at),
                "status": r.status,
                "answer": r.answer,
            }
            for r in queries.info_requests_of(dispute)
        ],
        "evidence": [
            {
                "id": e.public_id,
                "name": e.original_name,
                "content_type": e.content_type,
                "size": e.size,
                "sha256": e.sha256,
                "sha256_as_uploaded": e.upload_sha256,
                "uploaded_sha256": e.upload_sha256,
                "by": e.uploader_role,
                "at": _at(e.created_at),
            }
            for e in queries.evidence_of(dispute)
        ],
        "chats": {channel: _chat(order.pk, channel) for channel in ("order", "dispute")},
        "timeline": [
            {"at": _at(t.at), "code": t.code, "text": t.text, "actor": t.actor, "rule": t.rule}
            for t in timeline.for_case(order.pk)
        ],
        "resolution": _resolution(dispute),
        "ledger": [
            {
                "transaction": e.transaction.public_id,
                "kind": e.transaction.kind,
                "account": e.account.label,
                "amount": e.amount,
                "currency": e.currency,
                "at": _at(e.transaction.created_at),
            }
            for e in ledger_queries.order_entries(order.pk)
        ],
    }


def _at(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _dispute(dispute: Dispute) -> dict[str, Any]:
    return {
        "id": dispute.public_id,
        "status": dispute.status,
        "status_label": status_label(dispute),
        "reason": dispute.reason,
        "description": dispute.description,
        "requested_outcome": dispute.requested_outcome,
        "opened_at": _at(dispute.opened_at),
        "escalated_at": _at(dispute.escalated_at),
        "resolved_at": _at(dispute.resolved_at),
        "decision_due_at": _at(dispute.decision_due_at),
        "decided_at": _at(dispute.decided_at),
        "appeal_until": _at(dispute.appeal_until),
    }


def _order(order: Order) -> dict[str, Any]:
    return {
        "id": order.public_id,
        "buyer": order.buyer.username,
        "seller": order.seller.username,
        "kind": order.kind,
        "price": order.price.as_dict(),
        "fee": order.fee.as_dict(),
        "placed_at": _at(order.placed_at),
        "delivered_at": _at(order.delivered_at),
        "delivery_note": order.delivery_note,
        "listing_snapshot": order.listing_snapshot,
    }


def _proposal(proposal: Proposal) -> dict[str, Any]:
    preview = queries.preview_of(proposal)
    return {
        "id": proposal.public_id,
        "by": proposal.author_role,
        "kind": proposal.kind,
        "refund_amount": proposal.refund_amount,
        "seller_keep_percent": proposal.seller_keep_percent,
        "status": proposal.status,
        "note": proposal.note,
        "created_at": _at(proposal.created_at),
        "preview": {part: getattr(preview, part).as_dict() for part in SPLIT_PARTS},
    }


def _chat(order_id: int, channel: str) -> list[dict[str, Any]]:
    return [
        {
            "at": _at(m.created_at),
            "by": m.author.username if m.author else "Parley",
            "role": m.author_role,
            "body": m.body,
            "flags": m.flags,
        }
        for m in chat_queries.thread(order_id, channel)
    ]


def _resolution(dispute: Dispute) -> dict[str, Any] | None:
    """How the case ended, or the decision still open to appeal (`final: false`), with its
    statement of reasons and the appeal, if any."""
    final = dispute.status == Dispute.Status.RESOLVED
    if not final and dispute.status not in (Dispute.Status.DECIDED, Dispute.Status.APPEALED):
        return None
    return {
        "final": final,
        "outcome": dispute.outcome if final else (dispute.reasons or {}).get("outcome"),
        "decided_by": dispute.decided_by,
        "decided_by_user": dispute.decided_by_user.username if dispute.decided_by_user else None,
        "first_decider": dispute.first_decider.username if dispute.first_decider else None,
        "note": dispute.resolution_note,
        "seller_error": dispute.seller_error,
        "findings": list(dispute.findings),
        "settlement": dispute.settlement,
        "reasons": dispute.reasons,
        "appeal": {
            "by": dispute.appealed_by,
            "reason": dispute.appeal_reason,
            "at": _at(dispute.appealed_at),
        }
        if dispute.appealed_at
        else None,
    }
