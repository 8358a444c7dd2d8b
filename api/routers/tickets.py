from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field, StrictBool

from accounts.models import User
from api.permissions import caller
from api.schemas import ERRORS, AllowedAction, DeadlineOut
from core import clock, limits
from core.pagination import keyset_page
from integrations.metadata import METADATA_HELP
from tickets import actions, queries
from tickets.attachments import download_response
from tickets.models import MAX_BODY, MAX_SUBJECT, TicketAttachment, TicketMessage
from tickets.queries import TicketView

router = Router(tags=["tickets"])

TicketStatus = Literal["open", "answered", "resolved"]
TicketCategory = Literal["account", "payment", "order", "dispute", "technical", "other"]


class TicketIn(Schema):
    subject: str = Field(min_length=1, max_length=MAX_SUBJECT)
    category: TicketCategory
    body: str = Field(min_length=1, max_length=MAX_BODY)
    order_id: str | None = Field(default=None, max_length=32, description="One of your orders (ord_…).")
    metadata: dict[str, Any] | None = Field(default=None, description=METADATA_HELP)


class ReplyFormIn(Schema):
    """A reply with files (multipart): form fields are text, so `internal` is "true"/"false"."""

    body: str = Field(min_length=1, max_length=MAX_BODY)
    internal: bool = Field(default=False, description="Staff only: a note the ticket's owner never sees.")


class ReplyIn(ReplyFormIn):
    internal: StrictBool = Field(default=False, description="Staff only: a note the ticket's owner never sees.")


class AssignIn(Schema):
    assignee: str | None = Field(max_length=limits.USERNAME, description="A staff username, or null for nobody.")


class LinkDisputeIn(Schema):
    dispute_id: str = Field(max_length=32, description="A dispute id (dsp_…); empty to unlink.")


class AttachmentOut(Schema):
    id: str
    name: str
    content_type: str
    size: int
    sha256: str

    @classmethod
    def of(cls, attachment: TicketAttachment) -> AttachmentOut:
        return cls(
            id=attachment.public_id,
            name=attachment.name,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
        )


class TicketMessageOut(Schema):
    id: str
    author: str | None
    author_role: Literal["user", "staff", "system"]
    body: str
    internal: bool
    attachments: list[AttachmentOut]
    created_at: datetime

    @classmethod
    def of(cls, message: TicketMessage) -> TicketMessageOut:
        return cls(
            id=message.public_id,
            author=message.author.username if message.author else None,
            author_role=message.author_role,  # type: ignore[arg-type]
            body=message.body,
            internal=message.internal,
            attachments=[AttachmentOut.of(a) for a in message.attachments.all()],
            created_at=message.created_at,
        )


class TicketSummaryOut(Schema):
    id: str
    subject: str
    category: TicketCategory
    status: TicketStatus
    owner: str
    owner_id: str
    metadata: dict[str, str]
    order_id: str | None
    assignee: str | None
    linked_dispute: str | None = Field(description="Shown to staff only.")
    created_at: datetime
    updated_at: datetime
    first_response_due: datetime
    first_responded_at: datetime | None
    first_response_breached: bool
    owner_replied_at: datetime | None = Field(description="When the owner last wrote after opening the ticket.")
    reply_due: datetime | None = Field(
        description="Open again after an answer: when the administration aims to answer, by the first-response "
        "target counted from the owner's reply (or the reopening)."
    )
    reply_breached: bool
    resolved_at: datetime | None

    @classmethod
    def fields_of(cls, view: TicketView) -> dict[str, object]:
        ticket = view.ticket
        return {
            "id": ticket.public_id,
            "subject": ticket.subject,
            "category": ticket.category,
            "status": ticket.status,
            "owner": ticket.owner.username,
            "owner_id": ticket.owner.public_id,
            "metadata": ticket.metadata or {},
            "order_id": ticket.order.public_id if ticket.order else None,
            "assignee": ticket.assignee.username if ticket.assignee else None,
            "linked_dispute": (ticket.linked_dispute or None) if view.staff_view else None,
            "created_at": ticket.created_at,
            "updated_at": ticket.updated_at,
            "first_response_due": ticket.first_response_due,
            "first_responded_at": ticket.first_responded_at,
            "first_response_breached": view.first_response_breached,
            "owner_replied_at": ticket.owner_replied_at,
            "reply_due": ticket.reply_due,
            "reply_breached": view.reply_breached,
            "resolved_at": ticket.resolved_at,
        }

    @classmethod
    def of(cls, view: TicketView) -> TicketSummaryOut:
        return cls.model_validate(cls.fields_of(view))


class TicketOut(TicketSummaryOut):
    messages: list[TicketMessageOut]
    allowed_actions: list[AllowedAction]
    deadlines: list[DeadlineOut]

    @classmethod
    def detail(cls, view: TicketView, *, viewer: User) -> TicketOut:
        return cls.model_validate(
            {
                **cls.fields_of(view),
                "messages": [TicketMessageOut.of(m) for m in queries.messages_for(view.ticket, viewer)],
                "allowed_actions": [AllowedAction(**v.as_dict()) for v in view.allowed_actions],
                "deadlines": [DeadlineOut(**asdict(d)) for d in view.deadlines],
            }
        )


class TicketPage(Schema):
    items: list[TicketSummaryOut]
    next_cursor: str | None


def _fresh(user: User, ticket_id: str) -> TicketOut:
    view = queries.ticket_view(queries.get_ticket_for(user, ticket_id), viewer=user, now=clock.now())
    return TicketOut.detail(view, viewer=user)


@router.post("/tickets", response={201: TicketOut, **ERRORS})
def open_ticket(request: HttpRequest, payload: TicketIn) -> Status[TicketOut]:
    """Opens a ticket to the administration. `first_response_due` is when it aims to answer."""
    user = caller(request)
    ticket = actions.open_ticket(
        by=user,
        subject=payload.subject,
        category=payload.category,
        body=payload.body,
        order_public_id=payload.order_id,
        metadata=payload.metadata,
    )
    return Status(201, _fresh(user, ticket.public_id))


@router.get("/tickets", response={200: TicketPage, **ERRORS})
def list_tickets(
    request: HttpRequest,
    status: TicketStatus | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> TicketPage:
    """Your tickets, newest first (staff: every ticket)."""
    user = caller(request)
    page = keyset_page(queries.tickets_for(user, status=status), cursor=cursor, limit=limit)
    now = clock.now()
    return TicketPage(
        items=[TicketSummaryOut.of(queries.ticket_view(t, viewer=user, now=now)) for t in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/tickets/{ticket_id}", response={200: TicketOut, **ERRORS})
def detail(request: HttpRequest, ticket_id: str) -> TicketOut:
    return _fresh(caller(request), ticket_id)


@router.post("/tickets/{ticket_id}/replies", response={201: TicketOut, **ERRORS})
def reply(request: HttpRequest, ticket_id: str, payload: ReplyIn) -> Status[TicketOut]:
    """A reply on the thread; returns the ticket with its new status. From staff it answers the
    ticket, from the owner it reopens it; `internal: true` (staff) adds a note instead."""
    user = caller(request)
    ticket = queries.get_ticket_for(user, ticket_id)
    if payload.internal:
        actions.add_internal_note(ticket_id=ticket.pk, by=user, body=payload.body)
    else:
        actions.reply(ticket_id=ticket.pk, by=user, body=payload.body)
    return Status(201, _fresh(user, ticket_id))


@router.post("/tickets/{ticket_id}/replies/with-files", response={201: TicketOut, **ERRORS})
def reply_with_files(
    request: HttpRequest, ticket_id: str, payload: Form[ReplyFormIn], files: File[list[UploadedFile]]
) -> Status[TicketOut]:
    """The same as a reply, as `multipart/form-data` with up to five `files`: images (PNG, JPEG,
    GIF, WebP) or PDF documents of at most 5 MB each, recognised by their content."""
    user = caller(request)
    ticket = queries.get_ticket_for(user, ticket_id)
    if payload.internal:
        actions.add_internal_note(ticket_id=ticket.pk, by=user, body=payload.body, files=files)
    else:
        actions.reply(ticket_id=ticket.pk, by=user, body=payload.body, files=files)
    return Status(201, _fresh(user, ticket_id))


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    response=ERRORS,
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file's bytes, with the content type Parley determined.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download(request: HttpRequest, ticket_id: str, attachment_id: str) -> FileResponse:
    """The file, as a download (`Content-Disposition: attachment`)."""
    found = queries.get_attachment_for(caller(request), ticket_id, attachment_id)
    return download_response(file=found.file, name=found.name, content_type=found.content_type)


@router.post("/tickets/{ticket_id}/resolve", response={200: TicketOut, **ERRORS})
def resolve(request: HttpRequest, ticket_id: str) -> TicketOut:
    user = caller(request)
    actions.resolve(ticket_id=queries.get_ticket_for(user, ticket_id).pk, by=user)
    return _fresh(user, ticket_id)


@router.post("/tickets/{ticket_id}/reopen", response={200: TicketOut, **ERRORS})
def reopen(request: HttpRequest, ticket_id: str) -> TicketOut:
    user = caller(request)
    actions.reopen(ticket_id=queries.get_ticket_for(user, ticket_id).pk, by=user)
    return _fresh(user, ticket_id)


@router.post("/tickets/{ticket_id}/assign", response={200: TicketOut, **ERRORS})
def assign(request: HttpRequest, ticket_id: str, payload: AssignIn) -> TicketOut:
    """Staff only: gives the ticket to a member of the administration, or to nobody."""
    user = caller(request)
    ticket = queries.get_ticket_for(user, ticket_id)
    actions.assign(ticket_id=ticket.pk, by=user, assignee_username=payload.assignee)
    return _fresh(user, ticket_id)


@router.post("/tickets/{ticket_id}/link-dispute", response={200: TicketOut, **ERRORS})
def link_dispute(request: HttpRequest, ticket_id: str, payload: LinkDisputeIn) -> TicketOut:
    """Staff only: links the ticket to a dispute."""
    user = caller(request)
    ticket = queries.get_ticket_for(user, ticket_id)
    actions.link_dispute(ticket_id=ticket.pk, by=user, dispute_id=payload.dispute_id)
    return _fresh(user, ticket_id)
