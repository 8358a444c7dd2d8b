"""Shapes of the dispute resources."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from api.schemas import AllowedAction, DeadlineOut, MoneyIn, MoneyOut, shallow_dict
from core import limits, timeline
from core.errors import ValidationFailed
from disputes.models import REQUEST_KINDS, DecisionOutcome, Evidence, InfoRequest, ProposalKind
from disputes.models import Reason as DisputeReason
from disputes.read_model import CaseSummary, CaseView, ProposalView, ResolutionView
from integrations.metadata import METADATA_HELP
from orders.models import Order
from policy.rules import Split

if TYPE_CHECKING:
    Reason = str
    RequestKind = str
    ProposalKindIn = str
    Outcome = str
else:  # the models' vocabularies, as the OpenAPI enums
    # The last two reasons only during a warranty, for the policy's `warranty_reasons` (PRODUCT.md §11).
    Reason = Literal[tuple(DisputeReason.values)]
    RequestKind = Literal[tuple(k.value for k in REQUEST_KINDS)]
    ProposalKindIn = Literal[tuple(ProposalKind.values)]
    Outcome = Literal[tuple(DecisionOutcome.values)]
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
    description: str = Field(min_length=1, max_length=limits.LONG_TEXT)
    requested_outcome: RequestedOutcomeIn
    accept_terms: StrictBool
    metadata: dict[str, Any] | None = Field(default=None, description=METADATA_HELP)


class ProposalIn(Schema):
    kind: ProposalKindIn
    refund_amount: StrictInt | MoneyIn | None = None
    seller_keep_percent: StrictInt | None = Field(default=None, ge=0, le=100)
    note: str = Field(default="", max_length=limits.NOTE)


class RejectIn(Schema):
    note: str = Field(default="", max_length=limits.NOTE)


class StepIn(Schema):
    note: str = Field(default="", max_length=limits.LONG_TEXT)


class InfoRequestIn(Schema):
    party: Literal["buyer", "seller"]
    question: str = Field(min_length=1, max_length=limits.LONG_TEXT)


class AnswerIn(Schema):
    body: str = Field(min_length=1, max_length=limits.LONG_TEXT)


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
    note: str = Field(default="", max_length=limits.LONG_TEXT)


class AppealIn(Schema):
    reason: str = Field(min_length=1, max_length=limits.LONG_TEXT)


class AssignIn(Schema):
    assignee: str | None = Field(default=None, description="A staff username, or null to release the case.")


class SplitOut(Schema):
    buyer_refund: MoneyOut
    fee_refund: MoneyOut
    seller_payout: MoneyOut
    platform_fee: MoneyOut

    @classmethod
    def of(cls, split: Split) -> SplitOut:
        return cls(**{name: MoneyOut.of(money) for name, money in split.parts().items()})


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
    def of(cls, view: ProposalView) -> ProposalOut:
        proposal = view.row
        return cls(
            id=proposal.public_id,
            author=proposal.author.username,
            author_role=proposal.author_role,
            kind=proposal.kind,
            refund_amount=MoneyOut.of(view.refund_amount) if view.refund_amount is not None else None,
            seller_keep_percent=proposal.seller_keep_percent,
            note=proposal.note,
            status=proposal.status,
            created_at=proposal.created_at,
            preview=SplitOut.of(view.preview),
            allowed_actions=[AllowedAction(**v.as_dict()) for v in view.allowed_actions],
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

    @classmethod
    def of(cls, resolution: ResolutionView) -> ResolutionOut:
        return cls(
            outcome=resolution.outcome,
            decided_by=resolution.decided_by,
            decided_by_user=resolution.decided_by_user,
            note=resolution.note,
            seller_error=resolution.seller_error,
            findings=list(resolution.findings),
            final=resolution.final,
            resolved_at=resolution.resolved_at,
            reasons=ReasonsOut(**resolution.reasons) if resolution.reasons else None,
            **{name: MoneyOut.of(money) for name, money in resolution.split.parts().items()},
        )


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
    def fields_of(cls, case: CaseSummary) -> dict[str, Any]:
        dispute, order = case.dispute, case.order
        return {
            "id": dispute.public_id,
            "order_id": order.public_id,
            "status": dispute.status,
            "status_label": case.status_label,
            "reason": dispute.reason,
            "description": dispute.description,
            "requested_outcome": dict(case.requested_outcome),
            "buyer": order.buyer.username,
            "buyer_id": order.buyer.public_id,
            "seller": order.seller.username,
            "seller_id": order.seller.public_id,
            "metadata": dispute.metadata or {},
            "assignee": dispute.assignee.username if dispute.assignee else None,
            "opened_at": dispute.opened_at,
            "escalated_at": dispute.escalated_at,
            "resolved_at": dispute.resolved_at,
            "waiting_on": list(case.waiting_on),
            "resolution": ResolutionOut.of(case.resolution) if case.resolution else None,
            "decision_due_at": dispute.decision_due_at,
            "appeal_until": dispute.appeal_until,
            "appeal": AppealOut(**asdict(case.appeal)) if case.appeal else None,
            # As dicts: validated once, as the case's fields (instances would be validated again).
            "allowed_actions": [v.as_dict() for v in case.allowed_actions],
            "deadlines": [shallow_dict(d) for d in case.deadlines],
        }

    @classmethod
    def of(cls, case: CaseSummary) -> DisputeSummaryOut:
        return cls(**cls.fields_of(case))


class DisputeOut(DisputeSummaryOut):
    proposals: list[ProposalOut]
    evidence: list[EvidenceOut]
    info_requests: list[InfoRequestOut]
    timeline: list[TimelineOut]

    @classmethod
    def of(cls, case: CaseSummary) -> DisputeOut:
        assert isinstance(case, CaseView)
        return cls(
            **cls.fields_of(case),
            proposals=[ProposalOut.of(p) for p in case.proposals],
            evidence=[EvidenceOut.of(e) for e in case.evidence],
            info_requests=[InfoRequestOut.of(q.row) for q in case.questions],
            timeline=_timeline(case),
        )


def _timeline(case: CaseView) -> list[TimelineOut]:
    """The timeline's sentences in English whatever the caller's language: integrators match
    on `code`, and the text stays as stable as the rest of the contract."""
    with timeline.english():
        return [TimelineOut(**t.as_dict()) for t in case.timeline]


class DisputePage(Schema):
    items: list[DisputeSummaryOut]
    next_cursor: str | None


class DecisionPreviewOut(Schema):
    outcome: str
    effect: str
    preview: SplitOut
