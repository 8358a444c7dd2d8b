"""Shapes of the dispute resources."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from accounts.models import User
from api.schemas import AllowedAction, DeadlineOut, MoneyIn, MoneyOut
from core import clock, timeline
from core.errors import ValidationFailed
from core.money import Money
from disputes import queries
from disputes.models import Dispute, Evidence, InfoRequest, Proposal
from disputes.verdicts import allowed_actions, proposal_verdict, status_label
from integrations.metadata import METADATA_HELP
from orders.models import Order
from orders.queries import DeadlineView
from policy.rules import Split

# The last two only during a warranty, for the policy's `warranty_reasons` (PRODUCT.md §11).
Reason = Literal[
    "not_received",
    "incomplete",
    "incorrect",
    "defective",
    "not_as_described",
    "other",
    "account_recovered",
    "key_revoked",
]
RequestKind = Literal["full_delivery", "replacement", "partial_refund", "full_refund", "return_and_refund"]
ProposalKindIn = Literal[
    "full_refund", "partial_refund", "replacement", "full_delivery", "return_and_refund", "withdraw"
]
Outcome = Literal["full_refund", "partial_refund", "release_to_seller", "return_and_refund"]
DisputeStatus = Literal[
    "awaiting_seller",
    "negotiating",
    "awaiting_return",
    "awaiting_redelivery",
    "escalated",
    "decided",
    "appealed",
    "resolved",
]
Finding = Literal["defective", "not_as_described", "seller_error", "not_delivered", "delivered"]


def minor_units(value: int | MoneyIn | None, order: Order) -> int | None:
    """A refund amount given as minor units or as money in the order's currency."""
    if value is None or isinstance(value, int):
        return value
    if value.currency != order.currency:
        raise ValidationFailed(
            _("The order is in %(currency)s.") % {"currency": order.currency},
            fields={"refund_amount": ["wrong currency"]},
        )
    return value.amount


class RequestedOutcomeIn(Schema):
    kind: RequestKind
    refund_amount: StrictInt | MoneyIn | None = Field(
        default=None, description="For partial refunds: minor units or money."
    )


class OpenDisputeIn(Schema):
    order_id: str = Field(min_length=1, max_length=32)
    reason: Reason
    description: str = Field(min_length=1, max_length=5000)
    requested_outcome: RequestedOutcomeIn
    accept_terms: StrictBool
    metadata: dict[str, Any] | None = Field(default=None, description=METADATA_HELP)


class ProposalIn(Schema):
    kind: ProposalKindIn
    refund_amount: StrictInt | MoneyIn | None = None
    seller_keep_percent: StrictInt | None = Field(default=None, ge=0, le=100)
    note: str = Field(default="", max_length=2000)


class RejectIn(Schema):
    note: str = Field(default="", max_length=2000)


class StepIn(Schema):
    note: str = Field(default="", max_length=5000)


class InfoRequestIn(Schema):
    party: Literal["buyer", "seller"]
    question: str = Field(min_length=1, max_length=5000)


class AnswerIn(Schema):
    body: str = Field(min_length=1, max_length=5000)


class DecisionIn(Schema):
    outcome: Outcome
    refund_amount: StrictInt | MoneyIn | None = None
    seller_keep_percent: StrictInt | None = Field(default=None, ge=0, le=100)
    seller_error: StrictBool = False
    findings: list[Finding] = Field(
        default_factory=list,
        max_length=5,
        description="What the mediator finds: `seller_error` is the same as the old `seller_error: true`; "
        "`delivered` says an order without a delivery on record did reach the buyer.",
    )
    note: str = Field(default="", max_length=5000)


class AppealIn(Schema):
    reason: str = Field(min_length=1, max_length=5000)


class AssignIn(Schema):
    assignee: str | None = Field(default=None, description="A staff username, or null to release the case.")


class SplitOut(Schema):
    buyer_refund: MoneyOut
    fee_refund: MoneyOut
    seller_payout: MoneyOut
    platform_fee: MoneyOut

    @classmethod
    def of(cls, split: Split) -> SplitOut:
        return cls(**{f.name: MoneyOut.of(getattr(split, f.name)) for f in fields(split)})


class ProposalOut(Schema):
    id: str
    author: str
    author_role: str
    kind: str
    refund_amount: MoneyOut | None
    seller_keep_percent: int | None
    note: str
    status: str
    created_at: datetime
    preview: SplitOut
    allowed_actions: list[AllowedAction]

    @classmethod
    def of(cls, proposal: Proposal, *, viewer: User, now: datetime | None = None) -> ProposalOut:
        order = proposal.dispute.order
        now = now or clock.now()
        verdicts = [proposal_verdict(proposal, a, by=viewer, now=now) for a in ("accept_proposal", "reject_proposal")]
        return cls(
            id=proposal.public_id,
            author=proposal.author.username,
            author_role=proposal.author_role,
            kind=proposal.kind,
            refund_amount=MoneyOut.of(Money(proposal.refund_amount, order.currency))
            if proposal.refund_amount is not None
            else None,
            seller_keep_percent=proposal.seller_keep_percent,
            note=proposal.note,
            status=proposal.status,
            created_at=proposal.created_at,
            preview=SplitOut.of(queries.preview_of(proposal)),
            allowed_actions=[AllowedAction(**v.as_dict()) for v in verdicts] if proposal.status == "open" else [],
        )


class EvidenceOut(Schema):
    id: str
    sha256: str = Field(description="SHA-256 of the stored file (images are re-encoded).")
    uploaded_sha256: str = Field(description="SHA-256 of the bytes as they were uploaded.")
    content_type: str
    size: int
    name: str
    uploaded_by: str
    uploader_role: str
    created_at: datetime
    width: int | None = None
    height: int | None = None

    @classmethod
    def of(cls, item: Evidence) -> EvidenceOut:
        return cls(
            id=item.public_id,
            sha256=item.sha256,
            uploaded_sha256=item.upload_sha256,
            content_type=item.content_type,
            size=item.size,
            name=item.original_name,
            uploaded_by=item.uploaded_by.username,
            uploader_role=item.uploader_role,
            created_at=item.created_at,
            width=item.width,
            height=item.height,
        )


class InfoRequestOut(Schema):
    id: str
    party: str
    question: str
    asked_by: str
    asked_at: datetime
    due_at: datetime
    status: str
    answer: str
    answered_at: datetime | None

    @classmethod
    def of(cls, request: InfoRequest) -> InfoRequestOut:
        return cls(
            id=request.public_id,
            party=request.party,
            question=request.question,
            asked_by=request.asked_by.username,
            asked_at=request.asked_at,
            due_at=request.due_at,
            status=request.status,
            answer=request.answer,
            answered_at=request.answered_at,
        )


class TimelineOut(Schema):
    at: datetime
    code: str
    text: str
    actor: str
    actor_role: str
    rule: str


class RuleOut(Schema):
    name: str
    text: str


class ReasonsOut(Schema):
    """The statement of reasons (PRODUCT.md §15)."""

    outcome: str
    amounts: dict[str, MoneyOut]
    rules: list[RuleOut]
    findings: list[str]
    note: str
    decided_by: dict[str, str | None]
    appeal_until: datetime | None


class ResolutionOut(Schema):
    """How the dispute ended, or (`final: false`, while `decided` or `appealed`) the decision that
    waits for its appeal window: the money has not moved yet and `resolved_at` is null."""

    outcome: str
    decided_by: str
    decided_by_user: str | None
    note: str
    seller_error: bool
    findings: list[str]
    final: bool
    resolved_at: datetime | None
    buyer_refund: MoneyOut
    fee_refund: MoneyOut
    seller_payout: MoneyOut
    platform_fee: MoneyOut
    reasons: ReasonsOut | None


class AppealOut(Schema):
    by: str
    reason: str
    at: datetime


class DisputeSummaryOut(Schema):
    """A dispute as lists show it: everything but the case file (proposals, evidence, questions,
    timeline), which `GET /disputes/{id}` adds."""

    id: str
    order_id: str
    status: DisputeStatus
    status_label: str
    reason: str
    description: str
    requested_outcome: dict[str, Any]
    buyer: str
    buyer_id: str
    seller: str
    seller_id: str
    metadata: dict[str, str]
    assignee: str | None
    opened_at: datetime
    escalated_at: datetime | None
    resolved_at: datetime | None
    waiting_on: list[str]
    resolution: ResolutionOut | None
    decision_due_at: datetime | None = Field(description="When the administration aims to have decided.")
    appeal_until: datetime | None
    appeal: AppealOut | None
    allowed_actions: list[AllowedAction]
    deadlines: list[DeadlineOut]

    @classmethod
    def fields_of(
        cls, dispute: Dispute, *, viewer: User, now: datetime, deadlines: list[DeadlineView]
    ) -> dict[str, Any]:
        order = dispute.order
        flags = (
            ("buyer", dispute.waiting_on_buyer),
            ("seller", dispute.waiting_on_seller),
            ("staff", dispute.waiting_on_staff),
        )
        requested = dict(dispute.requested_outcome)
        if requested.get("refund_amount") is not None:
            requested["refund_amount"] = Money(requested["refund_amount"], order.currency).as_dict()
        return {
            "id": dispute.public_id,
            "order_id": order.public_id,
            "status": dispute.status,
            "status_label": status_label(dispute),
            "reason": dispute.reason,
            "description": dispute.description,
            "requested_outcome": requested,
            "buyer": order.buyer.username,
            "buyer_id": order.buyer.public_id,
            "seller": order.seller.username,
            "seller_id": order.seller.public_id,
            "metadata": dispute.metadata or {},
            "assignee": dispute.assignee.username if dispute.assignee else None,
            "opened_at": dispute.opened_at,
            "escalated_at": dispute.escalated_at,
            "resolved_at": dispute.resolved_at,
            "waiting_on": [party for party, flag in flags if flag],
            "resolution": _resolution(dispute),
            "decision_due_at": dispute.decision_due_at,
            "appeal_until": dispute.appeal_until,
            "appeal": AppealOut(by=dispute.appealed_by, reason=dispute.appeal_reason, at=dispute.appealed_at)
            if dispute.appealed_at
            else None,
            "allowed_actions": [AllowedAction(**v.as_dict()) for v in allowed_actions(dispute, user=viewer, now=now)],
            "deadlines": [DeadlineOut(**asdict(d)) for d in deadlines],
        }

    @classmethod
    def of(cls, dispute: Dispute, *, viewer: User, now: datetime, deadlines: list[DeadlineView]) -> DisputeSummaryOut:
        return cls(**cls.fields_of(dispute, viewer=viewer, now=now, deadlines=deadlines))


class DisputeOut(DisputeSummaryOut):
    proposals: list[ProposalOut]
    evidence: list[EvidenceOut]
    info_requests: list[InfoRequestOut]
    timeline: list[TimelineOut]

    @classmethod
    def detail(cls, dispute: Dispute, *, viewer: User) -> DisputeOut:
        now = clock.now()  # one instant for every verdict of the page, so they share one look at the deadlines
        base = cls.fields_of(dispute, viewer=viewer, now=now, deadlines=queries.deadlines_of(dispute))
        return cls(
            **base,
            proposals=[ProposalOut.of(p, viewer=viewer, now=now) for p in queries.proposals_of(dispute)],
            evidence=[EvidenceOut.of(e) for e in queries.evidence_of(dispute)],
            info_requests=[InfoRequestOut.of(r) for r in queries.info_requests_of(dispute)],
            timeline=[TimelineOut(**asdict(t)) for t in timeline.for_case(dispute.order_id)],
        )


def _resolution(dispute: Dispute) -> ResolutionOut | None:
    statement = dispute.reasons
    if dispute.status == Dispute.Status.RESOLVED and dispute.settlement and dispute.resolved_at is not None:
        money, final = dispute.settlement, True
    elif dispute.status in (Dispute.Status.DECIDED, Dispute.Status.APPEALED) and statement:
        money, final = statement["amounts"], False
    else:
        return None
    return ResolutionOut(
        outcome=dispute.outcome if final else statement["outcome"],  # type: ignore[index]
        decided_by=dispute.decided_by,
        decided_by_user=dispute.decided_by_user.username if dispute.decided_by_user else None,
        note=dispute.resolution_note,
        seller_error=dispute.seller_error,
        findings=list(dispute.findings),
        final=final,
        resolved_at=dispute.resolved_at if final else None,
        reasons=ReasonsOut(**statement) if statement else None,
        **{k: MoneyOut(**v) for k, v in money.items()},
    )


class DisputePage(Schema):
    items: list[DisputeSummaryOut]
    next_cursor: str | None


class DecisionPreviewOut(Schema):
    outcome: str
    effect: str
    preview: SplitOut
