"""The case as every reader shows it: one read model of a dispute, built at one instant for one
viewer. The API schemas, the party and staff pages, the case file and the e-mails map it and
compute nothing of their own (verdicts, deadlines and their consequences, previews, the
settlement and the statement of reasons are worked out here, once)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects

from accounts.models import User
from core import timeline
from core.models import Deadline
from core.money import Money
from core.timeline import TimelineItem
from core.transitions import Verdict
from disputes import queries
from disputes.deadlines import forfeit_consequence
from disputes.models import Dispute, Evidence, InfoRequest, Proposal
from disputes.outcomes import Effect, proposal_effect, split_of
from disputes.resolution import ResolutionView, resolution_of
from disputes.verdicts import UNREAD, Passed, allowed_actions, party_of, proposal_verdict, status_label
from orders.models import Order
from orders.queries import DeadlineView
from policy import rules
from policy.rules import Split

PROPOSAL_ANSWERS = ("accept_proposal", "reject_proposal")


@dataclass(frozen=True, slots=True)
class ProposalView:
    row: Proposal
    refund_amount: Money | None
    preview: Split  # where the money goes if it is accepted (after a return or redelivery)
    verdicts: Mapping[str, Verdict]  # accept_proposal, reject_proposal, for the viewer
    allowed_actions: tuple[Verdict, ...]  # the same, while the proposal is open; else none


@dataclass(frozen=True, slots=True)
class QuestionView:
    row: InfoRequest
    if_unanswered: str | None  # what the forfeit does, while the question is open


@dataclass(frozen=True, slots=True)
class AppealView:
    by: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A dispute as lists show it."""

    dispute: Dispute
    order: Order
    now: datetime
    party: str | None  # the viewer's side, if any
    status_label: str
    requested_outcome: Mapping[str, Any]  # its refund amount as money
    waiting_on: tuple[str, ...]
    passed_deadline: Deadline | None  # due at `now` and not yet applied: it pre-empts the steps
    allowed_actions: tuple[Verdict, ...]
    verdicts: Mapping[str, Verdict]
    deadlines: tuple[DeadlineView, ...]
    resolution: ResolutionView | None
    appeal: AppealView | None


@dataclass(frozen=True, slots=True)
class CaseView(CaseSummary):
    """The whole case: the summary and its file."""

    proposals: tuple[ProposalView, ...]
    evidence: tuple[Evidence, ...]
    questions: tuple[QuestionView, ...]
    timeline: tuple[TimelineItem, ...]
    escalation_moot: datetime | None  # the automatic escalation comes first: no button to show
    agreed: Split | None  # an accepted return or redelivery: the money its last step moves
    withdrawal: Split | None  # the buyer's, while they may propose: all to the seller, at once


def case_summaries(disputes: Sequence[Dispute], *, viewer: User, now: datetime) -> list[CaseSummary]:
    """The read model of a page of disputes, in a fixed number of queries."""
    queries.with_staff(disputes, every_page=True)
    found = queries.read_deadlines(disputes, now=now)
    return [CaseSummary(**_summary(d, viewer=viewer, now=now, deadlines=found[d.pk])) for d in disputes]


def case_view(dispute: Dispute, *, viewer: User, now: datetime) -> CaseView:
    """The read model of one case for `viewer` at `now`."""
    prefetch_related_objects(
        [dispute],
        Prefetch("proposals", queryset=Proposal.objects.select_related("author").order_by("id")),
        Prefetch("evidence", queryset=Evidence.objects.select_related("uploaded_by").order_by("id")),
        Prefetch("info_requests", queryset=InfoRequest.objects.select_related("asked_by").order_by("id")),
    )
    deadlines = queries.read_deadlines([dispute], now=now)[dispute.pk]
    base = _summary(dispute, viewer=viewer, now=now, deadlines=deadlines)
    proposals = tuple(
        proposal_view(p, viewer=viewer, now=now, passed=deadlines.passed) for p in dispute.proposals.all()
    )
    propose = base["verdicts"].get("propose")
    may_withdraw = base["party"] == "buyer" and propose is not None and propose.allowed
    return CaseView(
        **base,
        proposals=proposals,
        evidence=tuple(dispute.evidence.all()),
        questions=tuple(
            QuestionView(r, forfeit_consequence(dispute, r.party) if r.status == InfoRequest.Status.OPEN else None)
            for r in dispute.info_requests.all()
        ),
        timeline=tuple(timeline.for_case(dispute.order_id)),
        escalation_moot=deadlines.auto_escalation,
        agreed=agreed_split(dispute),
        withdrawal=withdrawal_preview(dispute) if may_withdraw else None,
    )


def agreed_split(dispute: Dispute) -> Split | None:
    """What the open return or redelivery pays once its last step is taken, worked out as that
    step's action settles it: from the dispute's own terms (the share a return leaves the seller),
    whichever proposal or decision set them."""
    if dispute.status == Dispute.Status.AWAITING_RETURN:
        keep = dispute.return_keep_percent or 0
        refund = rules.return_refund(dispute.order.policy, price=dispute.order.price, seller_keep_percent=keep)
        return split_of(dispute.order, Effect("settle", "return_and_refund", refund))
    if dispute.status == Dispute.Status.AWAITING_REDELIVERY:
        return split_of(dispute.order, Effect("settle", "delivered", 0))
    return None


def withdrawal_preview(dispute: Dispute) -> Split:
    """Where the money goes if the buyer withdraws: all of it to the seller, at once."""
    return split_of(
        dispute.order, proposal_effect(dispute.order, kind="withdraw", refund_amount=None, keep_percent=None)
    )


def proposal_view(proposal: Proposal, *, viewer: User, now: datetime, passed: Passed = UNREAD) -> ProposalView:
    verdicts = {a: proposal_verdict(proposal, a, by=viewer, now=now, passed=passed) for a in PROPOSAL_ANSWERS}
    amount = proposal.refund_amount
    return ProposalView(
        row=proposal,
        refund_amount=Money(amount, proposal.dispute.order.currency) if amount is not None else None,
        preview=queries.preview_of(proposal),
        verdicts=verdicts,
        allowed_actions=tuple(verdicts.values()) if proposal.status == Proposal.Status.OPEN else (),
    )


def _summary(dispute: Dispute, *, viewer: User, now: datetime, deadlines: queries.CaseDeadlines) -> dict[str, Any]:
    order = dispute.order
    verdicts = allowed_actions(dispute, user=viewer, now=now, passed=deadlines.passed)
    flags = (
        ("buyer", dispute.waiting_on_buyer),
        ("seller", dispute.waiting_on_seller),
        ("staff", dispute.waiting_on_staff),
    )
    requested = dict(dispute.requested_outcome)
    if requested.get("refund_amount") is not None:
        requested["refund_amount"] = Money(requested["refund_amount"], order.currency).as_dict()
    return {
        "dispute": dispute,
        "order": order,
        "now": now,
        "party": party_of(dispute, viewer),
        "status_label": status_label(dispute),
        "requested_outcome": requested,
        "waiting_on": tuple(party for party, flag in flags if flag),
        "passed_deadline": deadlines.passed,
        "allowed_actions": tuple(verdicts),
        "verdicts": {v.action: v for v in verdicts},
        "deadlines": tuple(deadlines.shown),
        "resolution": resolution_of(dispute),
        "appeal": AppealView(dispute.appealed_by, dispute.appeal_reason, dispute.appealed_at)
        if dispute.appealed_at
        else None,
    }
