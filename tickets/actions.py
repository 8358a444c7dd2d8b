"""Every change to a ticket. Each runs in one transaction: lock the ticket, check the verdict,
change the state, write the audit event, arm or withdraw the auto-close deadline, queue
notifications."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.queries import staff_member
from chat.actions import clean_body
from core import audit, clock, deadlines, locale
from core.actors import Actor, SystemActor
from core.errors import NotAllowedInState, NotFound, ValidationFailed
from core.ids import new_public_id
from disputes.models import Dispute
from integrations import metadata as integrator_metadata
from notifications.actions import Text, notify
from orders.models import Order
from policy import rules
from policy.active import current_version
from tickets import events
from tickets.attachments import CheckedFile, check_all, check_quota
from tickets.models import MAX_SUBJECT, Ticket, TicketAttachment, TicketMessage
from tickets.verdicts import reply_action, roles_of, verdict

AUTOCLOSE = "ticket.autoclose"
AUTOCLOSE_REMINDER = "ticket.autoclose.reminder"
AUTOCLOSE_KINDS = (AUTOCLOSE, AUTOCLOSE_REMINDER)
DISPUTE_ID = re.compile(r"dsp_[0-9a-z]{20}")


def link(ticket: Ticket) -> str:
    return reverse("web:ticket", args=[ticket.public_id])


def lock_ticket(ticket_id: int) -> Ticket:
    """The ticket, locked for this transaction (only the ticket row, not its relations)."""
    try:
        return (
            Ticket.objects.select_for_update(of=("self",))
            .select_related("owner", "assignee", "policy_version")
            .get(pk=ticket_id)
        )
    except Ticket.DoesNotExist:
        raise NotFound(_("No such ticket.")) from None


def open_ticket(
    *,
    by: User,
    subject: str,
    category: str,
    body: str,
    order_public_id: str | None = None,
    files: Sequence[UploadedFile] = (),
    metadata: dict[str, str] | None = None,
) -> Ticket:
    """Opens a ticket with its first message. The first-response target comes from the policy in
    force now, which the ticket keeps. 422 for bad input, including someone else's order."""
    subject, body, checked, order = _clean_new(
        by=by, subject=subject, category=category, body=body, files=files, order_public_id=order_public_id
    )
    checked_metadata = integrator_metadata.checked(metadata)
    version = current_version()
    now = clock.now()
    with transaction.atomic():
        ticket = Ticket.objects.create(
            owner=by,
            subject=subject,
            category=category,
            order=order,
            policy_version=version,
            created_at=now,
            updated_at=now,
            first_response_due=rules.ticket_first_response_due_at(version.policy, opened_at=now),
            metadata=checked_metadata,
        )
        _message(ticket, by=by, role="user", body=body, files=checked)
        audit.record(
            events.TICKET_OPENED,
            subject=ticket,
            by=by,
            role="user",
            data={"category": category, "order": order.public_id if order else None},
        )
    return ticket


def _clean_new(
    *,
    by: User,
    subject: str,
    category: str,
    body: str,
    files: Sequence[UploadedFile],
    order_public_id: str | None,
) -> tuple[str, str, list[CheckedFile], Order | None]:
    fields: dict[str, list[str]] = {}
    subject = subject.strip()
    if not subject:
        fields["subject"] = ["A subject is required."]
    elif len(subject) > MAX_SUBJECT:
        fields["subject"] = [f"At most {MAX_SUBJECT} characters."]
    if category not in Ticket.Category.values:
        fields["category"] = [f"One of: {', '.join(Ticket.Category.values)}."]
    checked: list[CheckedFile] = []
    try:
        body, checked = _clean_message(body, files)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    order = None
    if order_public_id:
        order = Order.objects.filter(Q(buyer=by) | Q(seller=by), public_id=order_public_id).first()
        if order is None:
            fields["order_id"] = ["Not one of your orders."]
    if fields:
        raise ValidationFailed(_("The ticket is not valid."), fields=fields)
    return subject, body, checked, order


def _clean_message(body: str, files: Sequence[UploadedFile]) -> tuple[str, list[CheckedFile]]:
    """The message's text and files, checked together so one refusal names every problem."""
    fields: dict[str, list[str]] = {}
    checked: list[CheckedFile] = []
    try:
        body = clean_body(body)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    try:
        checked = check_all(files)
    except ValidationFailed as exc:
        fields.update(exc.fields)
    if fields:
        raise ValidationFailed(_("The message cannot be sent."), fields=fields)
    return body, checked


def reply(*, ticket_id: int, by: User, body: str, files: Sequence[UploadedFile] = ()) -> TicketMessage:
    """A message on the thread. From the administration it answers the ticket; from the owner
    it puts the ticket back in the administration's hands (reopening it if it was resolved)."""
    body, checked = _clean_message(body, files)
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        if reply_action(ticket, by) == "answer":
            return _answer(ticket, by=by, body=body, files=checked)
        return _owner_reply(ticket, by=by, body=body, files=checked)


def _answer(ticket: Ticket, *, by: User, body: str, files: list[CheckedFile]) -> TicketMessage:
    verdict(ticket, "answer", by=by).require()
    now = clock.now()
    first = ticket.first_responded_at is None
    ticket.status = Ticket.Status.ANSWERED
    ticket.first_responded_at = ticket.first_responded_at or now
    ticket.reply_due = None
    ticket.autoclose_at = rules.ticket_autoclose_at(ticket.policy, answered_at=now)
    ticket.updated_at = now
    ticket.save(update_fields=["status", "first_responded_at", "reply_due", "autoclose_at", "updated_at"])
    message = _message(ticket, by=by, role="staff", body=body, files=files)
    # Each answer gives the owner the full time to reply again.
    deadlines.cancel(subject=ticket, kinds=AUTOCLOSE_KINDS, reason="answered again")
    deadlines.schedule(kind=AUTOCLOSE, due_at=ticket.autoclose_at, subject=ticket, party="owner")
    remind_at = rules.reminder_at(ticket.policy, due_at=ticket.autoclose_at, now=now)
    if remind_at is not None:
        deadlines.schedule(kind=AUTOCLOSE_REMINDER, due_at=remind_at, subject=ticket, party="owner")
    audit.record(events.TICKET_ANSWERED, subject=ticket, by=by, role="staff", data={"first_response": first})
    _tell(
        [ticket.owner],
        ticket,
        code="ticket.answered",
        title=lambda: _("The administration answered your ticket: %(subject)s") % {"subject": ticket.subject},
        body=lambda: (
            _(
                "%(value)s\n\nReply if you need more help. Without a reply the ticket resolves by "
                "itself on %(autoclose_at)s."
            )
            % {"value": message.body[:200], "autoclose_at": locale.when(ticket.autoclose_at)}
        ),
    )
    return message


def _owner_reply(ticket: Ticket, *, by: User, body: str, files: list[CheckedFile]) -> TicketMessage:
    verdict(ticket, "reply", by=by).require()
    reopened = ticket.status == Ticket.Status.RESOLVED
    now = clock.now()
    _back_with_the_administration(ticket, since=now)
    ticket.autoclose_at = ticket.resolved_at = None
    ticket.owner_replied_at = ticket.updated_at = now
    ticket.save(update_fields=["status", "reply_due", "autoclose_at", "resolved_at", "owner_replied_at", "updated_at"])
    message = _message(ticket, by=by, role="user", body=body, files=files)
    deadlines.cancel(subject=ticket, kinds=AUTOCLOSE_KINDS, reason="the owner replied")
    audit.record(events.TICKET_REPLIED, subject=ticket, by=by, role="user")
    if reopened:
        audit.record(events.TICKET_REOPENED, subject=ticket, by=by, role="user", data={"by_reply": True})
    _tell(
        [ticket.assignee],
        ticket,
        code="ticket.replied",
        title=lambda: (
            _("%(username)s replied on ticket %(public_id)s: %(subject)s")
            % {"username": by.username, "public_id": ticket.public_id, "subject": ticket.subject}
        ),
        body=message.body[:200],
    )
    return message


def add_internal_note(*, ticket_id: int, by: User, body: str, files: Sequence[UploadedFile] = ()) -> TicketMessage:
    """A note for the administration only; the owner never sees it (nor its files) and the
    status stays."""
    body, checked = _clean_message(body, files)
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        verdict(ticket, "note", by=by).require()
        ticket.updated_at = clock.now()
        ticket.save(update_fields=["updated_at"])
        message = _message(ticket, by=by, role="staff", body=body, internal=True, files=checked)
        audit.record(events.TICKET_NOTE_ADDED, subject=ticket, by=by, role="staff")
    return message


def resolve(*, ticket_id: int, by: User) -> Ticket:
    """The owner or the administration marks the ticket resolved."""
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        verdict(ticket, "resolve", by=by).require()
        role, who = _acting_as(ticket, by)
        _close(ticket, by=by, role=role, code="ticket.resolved", text=f"{who} marked this ticket resolved.")
        _tell(
            _other_side(ticket, role),
            ticket,
            code="ticket.resolved",
            title=lambda: _("Ticket resolved: %(subject)s") % {"subject": ticket.subject},
            body=lambda: _("%(who)s marked the ticket resolved. A reply reopens it.") % {"who": who},
        )
    return ticket


def remind_owner(*, ticket_id: int) -> Ticket:
    """Tells the owner of an answered ticket, before it resolves by itself, that a reply keeps it open."""
    ticket = Ticket.objects.select_related("owner").get(pk=ticket_id)
    if ticket.status != Ticket.Status.ANSWERED or ticket.autoclose_at is None:
        raise NotAllowedInState(_("The ticket is no longer waiting for its owner."))
    _tell(
        [ticket.owner],
        ticket,
        code="ticket.reminder",
        title=lambda: (
            _("Reminder: your ticket resolves on %(autoclose_at)s") % {"autoclose_at": locale.when(ticket.autoclose_at)}
        ),
        body=lambda: (
            _(
                'The administration answered "%(subject)s". If you still need help, reply before '
                "then; otherwise the ticket is resolved (a later reply reopens it)."
            )
            % {"subject": ticket.subject}
        ),
    )
    return ticket


def auto_resolve(*, ticket_id: int, by: SystemActor) -> Ticket:
    """The owner did not reply to an answer within the policy's time: the ticket resolves."""
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        verdict(ticket, "auto_resolve", by=by).require()
        if not deadlines.has_passed(ticket.autoclose_at, clock.now()):
            raise NotAllowedInState(_("The ticket was answered again; it closes later."))
        waited = ticket.policy.ticket_autoclose_after
        with translation.override("en"):  # the stored record is English, whoever's request ran it
            waited_in_english = rules.humane(waited)
        _close(
            ticket,
            by=by,
            role="system",
            code="ticket.auto_resolved",
            text=f"Resolved automatically: there was no reply for {waited_in_english} after the last answer.",
        )
        _tell(
            [ticket.owner],
            ticket,
            code="ticket.auto_resolved",
            title=lambda: _("Ticket resolved automatically: %(subject)s") % {"subject": ticket.subject},
            body=lambda: (
                _(
                    "There was no reply for %(waited)s after the administration's answer, so the "
                    "ticket was resolved. If you still need help, reply to reopen it."
                )
                % {"waited": rules.humane(waited)}  # in the owner's language
            ),
        )
    return ticket


def reopen(*, ticket_id: int, by: User) -> Ticket:
    """The owner or the administration reopens a resolved ticket: it waits for the administration."""
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        verdict(ticket, "reopen", by=by).require()
        role, who = _acting_as(ticket, by)
        now = clock.now()
        _back_with_the_administration(ticket, since=now)
        ticket.resolved_at = None
        ticket.updated_at = now
        ticket.save(update_fields=["status", "reply_due", "resolved_at", "updated_at"])
        _message(ticket, by=None, role="system", body=f"{who} reopened this ticket.")
        audit.record(events.TICKET_REOPENED, subject=ticket, by=by, role=role)
        _tell(
            _other_side(ticket, role),
            ticket,
            code="ticket.reopened",
            title=lambda: _("Ticket reopened: %(subject)s") % {"subject": ticket.subject},
            body=lambda: _("%(who)s reopened the ticket.") % {"who": who},
        )
    return ticket


def assign(*, ticket_id: int, by: User, assignee_username: str | None) -> Ticket:
    """Gives the ticket to a member of the administration (None: to nobody). Who may assign is
    checked first, so the answer tells nobody else which usernames belong to staff."""
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        verdict(ticket, "assign", by=by).require()
        assignee = staff_member(assignee_username) if assignee_username else None
        if assignee_username and assignee is None:
            raise ValidationFailed(
                _("No such member of the administration."), fields={"assignee": ["Not a staff username."]}
            )
        if assignee is not None and assignee.pk == ticket.owner_id:
            raise ValidationFailed(
                _("Nobody handles their own ticket."), fields={"assignee": ["This is their own ticket."]}
            )
        ticket.assignee = assignee
        ticket.updated_at = clock.now()
        ticket.save(update_fields=["assignee", "updated_at"])
        audit.record(
            events.TICKET_ASSIGNED,
            subject=ticket,
            by=by,
            role="staff",
            data={"assignee": assignee.username if assignee else None},
        )
        _tell(
            [assignee] if assignee is not None and assignee.pk != by.pk else [],
            ticket,
            code="ticket.assigned",
            title=lambda: (
                _("%(username)s gave you ticket %(public_id)s: %(subject)s")
                % {"username": by.username, "public_id": ticket.public_id, "subject": ticket.subject}
            ),
        )
    return ticket


def link_dispute(*, ticket_id: int, by: User, dispute_id: str) -> Ticket:
    """Links the ticket to a dispute by its public id (empty: unlinks); the dispute must exist."""
    dispute_id = dispute_id.strip()
    if dispute_id and not DISPUTE_ID.fullmatch(dispute_id):
        raise ValidationFailed(_("That is not a dispute id."), fields={"dispute_id": ["A dispute id looks like dsp_…"]})
    with transaction.atomic():
        ticket = lock_ticket(ticket_id)
        verdict(ticket, "link_dispute", by=by).require()
        if dispute_id and not Dispute.objects.filter(public_id=dispute_id).exists():
            raise ValidationFailed(_("There is no dispute with that id."), fields={"dispute_id": ["unknown dispute"]})
        ticket.linked_dispute = dispute_id
        ticket.updated_at = clock.now()
        ticket.save(update_fields=["linked_dispute", "updated_at"])
        audit.record(
            events.TICKET_DISPUTE_LINKED, subject=ticket, by=by, role="staff", data={"dispute": dispute_id or None}
        )
    return ticket


def _back_with_the_administration(ticket: Ticket, *, since: datetime) -> None:
    """The ticket waits for the administration again. Once answered, the next answer is due by
    the same target as the first, counted from the first message still waiting for one: a
    second reply before any answer keeps the earlier target. Before the first answer, the
    first-response target stands."""
    waiting_already = ticket.status == Ticket.Status.OPEN and ticket.reply_due is not None
    ticket.status = Ticket.Status.OPEN
    if ticket.first_responded_at is not None and not waiting_already:
        ticket.reply_due = since + ticket.policy.ticket_first_response_target


def _acting_as(ticket: Ticket, by: User) -> tuple[str, str]:
    """The audit role of someone acting on the ticket, and how the thread names them."""
    if "staff" in roles_of(ticket, by):
        return "staff", "The administration"
    return "user", by.username


def _other_side(ticket: Ticket, role: str) -> list[User | None]:
    """Who hears about a change: the owner when staff made it, else the assignee (if any)."""
    return [ticket.owner] if role == "staff" else [ticket.assignee]


def _close(ticket: Ticket, *, by: Actor, role: str, code: str, text: str) -> None:
    """Resolves the locked ticket, withdraws its auto-close, and says so in the thread."""
    now = clock.now()
    ticket.status = Ticket.Status.RESOLVED
    ticket.resolved_at = now
    ticket.autoclose_at = ticket.reply_due = None
    ticket.updated_at = now
    ticket.save(update_fields=["status", "resolved_at", "autoclose_at", "reply_due", "updated_at"])
    deadlines.cancel(subject=ticket, kinds=AUTOCLOSE_KINDS, reason="resolved")
    _message(ticket, by=None, role="system", body=text)
    audit.record(code, subject=ticket, by=by, role=role)


def _message(
    ticket: Ticket,
    *,
    by: User | None,
    role: str,
    body: str,
    internal: bool = False,
    files: Sequence[CheckedFile] = (),
) -> TicketMessage:
    """A message on the thread with its checked files; `by=None` for Parley's own lines.

    Files are written to storage inside the transaction; if it rolls back they stay behind
    unreferenced, never referenced without their row."""
    check_quota(ticket, by=by, adding=files)
    now = clock.now()
    message = TicketMessage.objects.create(
        ticket=ticket, author=by, author_role=role, body=body, internal=internal, created_at=now
    )
    for checked in files:
        attachment = TicketAttachment(
            public_id=new_public_id("tka"),
            message=message,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            created_at=now,
        )
        attachment.file.save(checked.name, ContentFile(checked.data), save=False)
        attachment.save()
    return message


def _tell(users: list[User | None], ticket: Ticket, *, code: str, title: Text, body: Text = "") -> None:
    notify(
        users=[u for u in users if u is not None], code=code, title=title, body=body, link=link(ticket), about=ticket
    )
