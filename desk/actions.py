"""What the administration changes on its desk: canned replies, and taking many cases at
once. Each change runs in one transaction with its audit event; bulk take calls the case's own
assign action once per case, each in its own transaction, so one refusal leaves the rest taken."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from accounts.models import User
from core import audit, clock
from core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from core.text import clean_text
from desk import events
from desk.models import MAX_BODY, MAX_TITLE, CannedReply
from disputes import mediation
from disputes.models import Dispute
from tickets import actions as ticket_actions
from tickets.models import Ticket

MAX_BULK = 100


def _staff(by: User) -> None:
    if not by.is_staff:
        raise Forbidden("Only the administration keeps canned replies.")


def save_canned_reply(*, by: User, title: str, body: str, public_id: str | None = None) -> CannedReply:
    """Adds a canned reply, or changes the one named by `public_id`. Titles are unique."""
    _staff(by)
    title = clean_text(title, "title", required=True, limit=MAX_TITLE)
    body = clean_text(body, "body", required=True, limit=MAX_BODY, what="the reply")
    with transaction.atomic():
        if public_id:
            reply = CannedReply.objects.select_for_update().filter(public_id=public_id).first()
            if reply is None:
                raise NotFound("No such canned reply.")
        else:
            reply = CannedReply(created_by=by)
        if CannedReply.objects.filter(title=title).exclude(pk=reply.pk).exists():
            raise ValidationFailed("A canned reply with that title exists.", fields={"title": ["taken"]})
        reply.title, reply.body, reply.updated_at = title, body, clock.now()
        added = reply.pk is None
        reply.save()
        if added:
            audit.record(events.CANNED_REPLY_ADDED, subject=reply, by=by, role="staff", data={"title": title})
        else:
            audit.record(events.CANNED_REPLY_CHANGED, subject=reply, by=by, role="staff", data={"title": title})
    return reply


def delete_canned_reply(*, by: User, public_id: str) -> None:
    _staff(by)
    with transaction.atomic():
        reply = CannedReply.objects.select_for_update().filter(public_id=public_id).first()
        if reply is None:
            raise NotFound("No such canned reply.")
        audit.record(events.CANNED_REPLY_DELETED, subject=reply, by=by, role="staff", data={"title": reply.title})
        reply.delete()


@dataclass(frozen=True, slots=True)
class BulkResult:
    taken: list[str]
    refused: dict[str, str]  # public id → why


def take_cases(*, by: User, public_ids: list[str]) -> BulkResult:
    """`by` takes each named dispute or ticket through its own assign action
    (`mediation.assign`, `tickets.actions.assign`), one transaction per case; what is refused (a
    case that moved on, one `by` is a party to, an unknown id) is reported, not raised."""
    if len(public_ids) > MAX_BULK:
        raise ValidationFailed(f"Take at most {MAX_BULK} cases at once.", fields={"case": ["too many"]})
    disputes = dict(Dispute.objects.filter(public_id__in=public_ids).values_list("public_id", "pk"))
    tickets = dict(Ticket.objects.filter(public_id__in=public_ids).values_list("public_id", "pk"))
    taken: list[str] = []
    refused: dict[str, str] = {}
    for public_id in dict.fromkeys(public_ids):
        try:
            if public_id in disputes:
                mediation.assign(dispute_id=disputes[public_id], by=by, assignee=by.username)
            elif public_id in tickets:
                ticket_actions.assign(ticket_id=tickets[public_id], by=by, assignee_username=by.username)
            else:
                raise NotFound("No such case.")
        except DomainError as exc:
            refused[public_id] = exc.detail
        else:
            taken.append(public_id)
    return BulkResult(taken=taken, refused=refused)
