"""The case file: everything about a dispute in one document (JSON, or printed), with its
timeline, rules, evidence digests, decision and ledger lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.models import User
from chat import queries as chat_queries
from core import clock
from disputes.models import Dispute
from disputes.read_model import CaseView, ProposalView, ResolutionView, case_view
from ledger import queries as ledger_queries
from orders.models import Order
from policy import rules


def case_file(dispute: Dispute, *, viewer: User | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The case file of `dispute` as `viewer` (its buyer, by default) may export it."""
    now = now or clock.now()
    return document(case_view(dispute, viewer=viewer or dispute.order.buyer, now=now))


def document(case: CaseView) -> dict[str, Any]:
    """The case file of a case's read model (the viewer's verdicts play no part in it)."""
    order = case.order
    return {
        "exported_at": case.now.isoformat(),
        "dispute": _dispute(case),
        "order": _order(order),
        "rules": {
            "policy": order.policy_version.label,
            "values": order.policy_version.values,
            "in_words": rules.describe(order.policy),
        },
        "proposals": [_proposal(p) for p in case.proposals],
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
            for r in (q.row for q in case.questions)
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
            for e in case.evidence
        ],
        "chats": {channel: _chat(order.pk, channel) for channel in ("order", "dispute")},
        "timeline": [
            {"at": _at(t.at), "code": t.code, "text": t.text, "actor": t.actor, "rule": t.rule} for t in case.timeline
        ],
        "resolution": _resolution(case),
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


def _dispute(case: CaseView) -> dict[str, Any]:
    dispute = case.dispute
    return {
        "id": dispute.public_id,
        "status": dispute.status,
        "status_label": case.status_label,
        "reason": dispute.reason,
        "description": dispute.description,
        "requested_outcome": dict(case.requested_outcome),
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


def _proposal(view: ProposalView) -> dict[str, Any]:
    proposal = view.row
    return {
        "id": proposal.public_id,
        "by": proposal.author_role,
        "kind": proposal.kind,
        "refund_amount": view.refund_amount.as_dict() if view.refund_amount is not None else None,
        "seller_keep_percent": proposal.seller_keep_percent,
        "status": proposal.status,
        "note": proposal.note,
        "created_at": _at(proposal.created_at),
        "preview": view.preview.as_dict(),
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


def _resolution(case: CaseView) -> dict[str, Any] | None:
    """How the case ended, or the decision still open to appeal (`final: false`), with its
    statement of reasons and the appeal, if any."""
    resolution: ResolutionView | None = case.resolution
    if resolution is None:
        return None
    return {
        "final": resolution.final,
        "outcome": resolution.outcome,
        "decided_by": resolution.decided_by,
        "decided_by_user": resolution.decided_by_user,
        "first_decider": resolution.first_decider,
        "note": resolution.note,
        "seller_error": resolution.seller_error,
        "findings": list(resolution.findings),
        "settlement": resolution.split.as_dict() if resolution.final else None,
        "amounts": resolution.split.as_dict(),
        "reasons": dict(resolution.reasons) if resolution.reasons else None,
        "appeal": {"by": case.appeal.by, "reason": case.appeal.reason, "at": _at(case.appeal.at)}
        if case.appeal
        else None,
    }
