from __future__ import annotations

from typing import Literal

from django.http import FileResponse, HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile

from accounts.models import User
from api.permissions import caller
from api.routers.dispute_schemas import (
    AnswerIn,
    AppealIn,
    AssignIn,
    DecisionIn,
    DecisionPreviewOut,
    DisputeOut,
    DisputePage,
    DisputeSummaryOut,
    EvidenceOut,
    InfoRequestIn,
    InfoRequestOut,
    OpenDisputeIn,
    ProposalIn,
    ProposalOut,
    RejectIn,
    SplitOut,
    StepIn,
    minor_units,
)
from api.routers.orders import MessageIn, MessageOut, MessagePage
from api.schemas import ERRORS, page_of
from chat import queries as chat_queries
from core import clock
from core.pagination import keyset_page
from disputes import actions, appeals, mediation, opening, queries, read_model
from disputes.evidence import download_response
from orders.queries import get_order_for

router = Router(tags=["disputes"])


def _reload(user: User, public_id: str) -> DisputeOut:
    dispute = queries.get_dispute_for(user, public_id)
    return DisputeOut.of(read_model.case_view(dispute, viewer=user, now=clock.now()))


@router.post("/disputes", response={201: DisputeOut, **ERRORS})
def open_dispute(request: HttpRequest, payload: OpenDisputeIn) -> Status[DisputeOut]:
    user = caller(request)
    order = get_order_for(user, payload.order_id)
    dispute = opening.open_dispute(
        order_id=order.pk,
        by=user,
        reason=payload.reason,
        description=payload.description,
        requested_kind=payload.requested_outcome.kind,
        refund_amount=minor_units(payload.requested_outcome.refund_amount, order),
        accept_terms=payload.accept_terms,
        metadata=payload.metadata,
    )
    return Status(201, _reload(user, dispute.public_id))


@router.get("/disputes", response={200: DisputePage, **ERRORS})
def list_disputes(
    request: HttpRequest,
    tab: Literal["open", "awaiting_me", "escalated", "closed"] = "open",
    cursor: str | None = None,
    limit: int | None = None,
) -> DisputePage:
    user = caller(request)
    page = keyset_page(queries.disputes_for(user, tab=tab), cursor=cursor, limit=limit)
    cases = read_model.case_summaries(page.items, viewer=user, now=clock.now())
    return page_of(DisputePage, [DisputeSummaryOut.of(case) for case in cases], page.next_cursor)


@router.get("/disputes/{dispute_id}", response={200: DisputeOut, **ERRORS})
def detail(request: HttpRequest, dispute_id: str) -> DisputeOut:
    return _reload(caller(request), dispute_id)


@router.get("/disputes/{dispute_id}/messages", response={200: MessagePage, **ERRORS})
def messages(request: HttpRequest, dispute_id: str, cursor: str | None = None, limit: int | None = None) -> MessagePage:
    """The dispute chat, oldest first."""
    dispute = queries.get_dispute_for(caller(request), dispute_id)
    page = keyset_page(chat_queries.thread(dispute.order_id, "dispute"), cursor=cursor, limit=limit, oldest_first=True)
    return MessagePage(items=[MessageOut.of(m) for m in page.items], next_cursor=page.next_cursor)


@router.post("/disputes/{dispute_id}/messages", response={201: MessageOut, **ERRORS})
def post_message(request: HttpRequest, dispute_id: str, payload: MessageIn) -> Status[MessageOut]:
    user = caller(request)
    dispute = queries.get_dispute_for(user, dispute_id)
    return Status(201, MessageOut.of(actions.post_message(dispute_id=dispute.pk, by=user, body=payload.body)))


@router.post("/disputes/{dispute_id}/evidence", response={201: EvidenceOut, **ERRORS})
def add_evidence(request: HttpRequest, dispute_id: str, file: File[UploadedFile]) -> Status[EvidenceOut]:
    """Upload an image (JPEG, PNG, WebP) or a PDF as multipart field `file`."""
    user = caller(request)
    dispute = queries.get_dispute_for(user, dispute_id)
    return Status(201, EvidenceOut.of(actions.add_evidence(dispute_id=dispute.pk, by=user, upload=file)))


@router.get("/disputes/{dispute_id}/evidence/{evidence_id}", response={200: None, **ERRORS})
def download_evidence(request: HttpRequest, dispute_id: str, evidence_id: str) -> FileResponse:
    """The stored file, as an attachment."""
    return download_response(queries.get_evidence_for(caller(request), evidence_id, dispute_id=dispute_id))


@router.post("/disputes/{dispute_id}/proposals", response={201: ProposalOut, **ERRORS})
def propose(request: HttpRequest, dispute_id: str, payload: ProposalIn) -> Status[ProposalOut]:
    user = caller(request)
    dispute = queries.get_dispute_for(user, dispute_id)
    proposal = actions.propose(
        dispute_id=dispute.pk,
        by=user,
        kind=payload.kind,
        refund_amount=minor_units(payload.refund_amount, dispute.order),
        seller_keep_percent=payload.seller_keep_percent,
        note=payload.note,
    )
    proposal.dispute = queries.get_dispute_for(user, dispute_id)
    return Status(201, ProposalOut.of(read_model.proposal_view(proposal, viewer=user, now=clock.now())))


@router.post("/disputes/{dispute_id}/proposals/{proposal_id}/accept", response={200: DisputeOut, **ERRORS})
def accept(request: HttpRequest, dispute_id: str, proposal_id: str) -> DisputeOut:
    user = caller(request)
    proposal = queries.get_proposal_for(user, queries.get_dispute_for(user, dispute_id), proposal_id)
    actions.accept_proposal(proposal_id=proposal.pk, by=user)
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/proposals/{proposal_id}/reject", response={200: DisputeOut, **ERRORS})
def reject(request: HttpRequest, dispute_id: str, proposal_id: str, payload: RejectIn | None = None) -> DisputeOut:
    user = caller(request)
    proposal = queries.get_proposal_for(user, queries.get_dispute_for(user, dispute_id), proposal_id)
    actions.reject_proposal(proposal_id=proposal.pk, by=user, note=payload.note if payload else "")
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/escalate", response={200: DisputeOut, **ERRORS})
def escalate(request: HttpRequest, dispute_id: str) -> DisputeOut:
    user = caller(request)
    actions.escalate(dispute_id=queries.get_dispute_for(user, dispute_id).pk, by=user)
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/return/shipped", response={200: DisputeOut, **ERRORS})
def return_shipped(request: HttpRequest, dispute_id: str, payload: StepIn | None = None) -> DisputeOut:
    user = caller(request)
    actions.mark_returned(
        dispute_id=queries.get_dispute_for(user, dispute_id).pk, by=user, note=payload.note if payload else ""
    )
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/return/received", response={200: DisputeOut, **ERRORS})
def return_received(request: HttpRequest, dispute_id: str) -> DisputeOut:
    user = caller(request)
    actions.confirm_return(dispute_id=queries.get_dispute_for(user, dispute_id).pk, by=user)
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/redelivery/delivered", response={200: DisputeOut, **ERRORS})
def redelivered(request: HttpRequest, dispute_id: str, payload: StepIn | None = None) -> DisputeOut:
    """The seller delivered the rest or a replacement (after a redelivery was agreed)."""
    user = caller(request)
    actions.redeliver(
        dispute_id=queries.get_dispute_for(user, dispute_id).pk, by=user, note=payload.note if payload else ""
    )
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/redelivery/confirmed", response={200: DisputeOut, **ERRORS})
def redelivery_confirmed(request: HttpRequest, dispute_id: str) -> DisputeOut:
    """The buyer confirms the new delivery: the order completes and the seller is paid."""
    user = caller(request)
    actions.confirm_redelivery(dispute_id=queries.get_dispute_for(user, dispute_id).pk, by=user)
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/info-requests", response={201: InfoRequestOut, **ERRORS})
def request_info(request: HttpRequest, dispute_id: str, payload: InfoRequestIn) -> Status[InfoRequestOut]:
    user = caller(request)
    dispute = queries.get_dispute_for(user, dispute_id)
    info = mediation.request_info(dispute_id=dispute.pk, by=user, party=payload.party, question=payload.question)
    return Status(201, InfoRequestOut.of(info))


@router.post("/disputes/{dispute_id}/info-requests/{request_id}/answer", response={200: InfoRequestOut, **ERRORS})
def answer_info(request: HttpRequest, dispute_id: str, request_id: str, payload: AnswerIn) -> InfoRequestOut:
    user = caller(request)
    info = queries.get_info_request_for(queries.get_dispute_for(user, dispute_id), request_id)
    return InfoRequestOut.of(mediation.answer_info(request_id=info.pk, by=user, body=payload.body))


@router.post("/disputes/{dispute_id}/decision", response={200: DisputeOut | DecisionPreviewOut, **ERRORS})
def decide(
    request: HttpRequest, dispute_id: str, payload: DecisionIn, preview: bool = False
) -> DisputeOut | DecisionPreviewOut:
    """The administration's decision. With `?preview=true` nothing changes: the answer shows the
    exact split the decision would make."""
    user = caller(request)
    dispute = queries.get_dispute_for(user, dispute_id)
    refund = minor_units(payload.refund_amount, dispute.order)
    if preview:
        effect, split = mediation.preview_decision(
            dispute=dispute,
            by=user,
            outcome=payload.outcome,
            refund_amount=refund,
            keep_percent=payload.seller_keep_percent,
            seller_error=payload.seller_error,
            findings=payload.findings,
        )
        return DecisionPreviewOut(outcome=payload.outcome, effect=effect.kind, preview=SplitOut.of(split))
    mediation.decide(
        dispute_id=dispute.pk,
        by=user,
        outcome=payload.outcome,
        note=payload.note,
        refund_amount=refund,
        seller_keep_percent=payload.seller_keep_percent,
        seller_error=payload.seller_error,
        findings=payload.findings,
    )
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/appeal", response={200: DisputeOut, **ERRORS})
def appeal(request: HttpRequest, dispute_id: str, payload: AppealIn) -> DisputeOut:
    """A party appeals the decision, once, within the policy's `appeal_window`: the case goes to
    another staff member, whose decision is final. 409 `appeal_window_closed` / `already_appealed`."""
    user = caller(request)
    appeals.appeal(dispute_id=queries.get_dispute_for(user, dispute_id).pk, by=user, reason=payload.reason)
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/decision/accept", response={200: DisputeOut, **ERRORS})
def accept_decision(request: HttpRequest, dispute_id: str) -> DisputeOut:
    """A party accepts a decision that waits for its appeal window; once both have, it takes
    effect at once."""
    user = caller(request)
    appeals.accept_decision(dispute_id=queries.get_dispute_for(user, dispute_id).pk, by=user)
    return _reload(user, dispute_id)


@router.post("/disputes/{dispute_id}/assign", response={200: DisputeOut, **ERRORS})
def assign(request: HttpRequest, dispute_id: str, payload: AssignIn) -> DisputeOut:
    user = caller(request)
    dispute = queries.get_dispute_for(user, dispute_id)
    mediation.assign(dispute_id=dispute.pk, by=user, assignee=payload.assignee or None)
    return _reload(user, dispute_id)
