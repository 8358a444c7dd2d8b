"""Telling people what happened: in the app at once, by e-mail from the worker."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import clock, lease, locale, requestid
from core.errors import NotFound
from notifications import mail
from notifications.models import Notification, OutboundEmail

# A notification's words: a string, or a function that writes them (called once per recipient in
# the recipient's language and time zone, so each person reads their own).
Text = str | Callable[[], str]
logger = logging.getLogger("parley.notifications")
MAX_EMAIL_ATTEMPTS = 8
SEND_LEASE = timedelta(minutes=5)  # how long a claimed e-mail is left to the worker sending it


def notify(
    *, users: Iterable[User], code: str, title: Text, body: Text = "", link: str = "", about: Any = None
) -> list[Notification]:
    """Notifies each user (once, however often they are listed), in the caller's transaction:
    one insert for the notifications and one for their e-mails, however many users. Chat
    messages (`mail.DIGESTED`) join a digest instead of an e-mail each. `about`: the order or
    ticket the link leads to, when the caller holds it (else the e-mail reads it from the link)."""
    now = clock.now()
    recipients = list({user.pk: user for user in users}.values())
    if not recipients:
        return []
    notes = []
    for user in recipients:
        with locale.speaking_to(user):
            notes.append(
                Notification(
                    user=user, code=code, title=_text(title)[:200], body=_text(body), link=link, created_at=now
                )
            )
    created = Notification.objects.bulk_create(notes)
    emails = []
    if about is None and any(user.email for user in recipients):
        about = mail.subject_of(link)
    for note, user in zip(created, recipients, strict=True):
        if not user.email:
            continue
        if code in mail.DIGESTED:
            if user.optional_email:
                mail.queue_digest(note, user, now=now, about=about)
            continue
        emails.append(mail.compose(note, user, now=now, about=about))
    if emails:
        OutboundEmail.objects.bulk_create(emails)
    return created


def _text(value: Text) -> str:
    return str(value() if callable(value) else value)


def mark_read(*, user: User, public_id: str) -> Notification:
    note = Notification.objects.filter(user=user, public_id=public_id).first()
    if note is None:
        raise NotFound(_("No such notification."))
    if note.read_at is None:
        note.read_at = clock.now()
        note.save(update_fields=["read_at"])
    return note


def mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=clock.now())


def send_due_emails(*, limit: int = 50) -> int:
    """Sends pending e-mails; returns how many were attempted.

    No database lock is held while talking to the mail server: each e-mail is claimed in a short
    transaction (leased on the database's clock, so another worker leaves it alone), sent, and
    its result recorded in a second one. A worker that dies mid-send leaves the e-mail to be
    retried when the lease ends (delivery is at least once). Failures back off; the cap marks it
    failed. Sending never blocks the action that queued the e-mail."""
    attempted = 0
    while attempted < limit and (email := _claim()) is not None:
        attempted += 1
        with requestid.bound(email.request_id):
            try:
                send_mail(email)
            except Exception as exc:  # any transport failure: retry later
                logger.warning("e-mail %s failed (attempt %s): %s", email.pk, email.attempts, exc)
                _record(email, error=f"{type(exc).__name__}: {exc}")
            else:
                _record(email, error=None)
    return attempted


def send_mail(email: OutboundEmail) -> None:
    """Hands one e-mail, its text and HTML parts, to the configured backend (SMTP, an Anymail
    provider, or the console)."""
    _message(email).send()


def _message(email: OutboundEmail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(email.subject, email.body, settings.DEFAULT_FROM_EMAIL, [email.to])
    if email.html_body:
        message.attach_alternative(email.html_body, "text/html")
    if email.digest_key:
        # Optional mail: mail clients offer their own unsubscribe button (RFC 2369, RFC 8058).
        user = User.objects.filter(pk=int(email.digest_key.split(":", 1)[0])).first()
        if user is not None:
            message.extra_headers["List-Unsubscribe"] = f"<{mail.unsubscribe_url(user)}>"
            message.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _claim() -> OutboundEmail | None:
    """The earliest due e-mail no worker holds, its attempt counted (the claim's token) and
    leased on the database's clock, in one short transaction."""
    with transaction.atomic():
        now = clock.now()
        email = (
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(status=OutboundEmail.Status.PENDING, next_attempt_at__lte=now)
            .filter(lease.free())
            .order_by("next_attempt_at", "id")
            .first()
        )
        if email is None:
            return None
        email.attempts += 1
        email.next_attempt_at = now + SEND_LEASE  # so a worker of the release before this one leaves it alone
        OutboundEmail.objects.filter(pk=email.pk).update(
            attempts=email.attempts, next_attempt_at=email.next_attempt_at, leased_until=lease.until(SEND_LEASE)
        )
        return email


def _record(email: OutboundEmail, *, error: str | None) -> None:
    """Stores the outcome of the attempt `email` was claimed for, unless its lease ran out and
    another worker has claimed it since (that worker's outcome is the one that counts)."""
    now = clock.now()
    changes: dict[str, object] = {"leased_until": None}
    if error is None:
        changes.update(status=OutboundEmail.Status.SENT, sent_at=now)
    else:
        changes.update(
            last_error=error[:2000], next_attempt_at=now + timedelta(seconds=min(60 * 2**email.attempts, 6 * 3600))
        )
        if email.attempts >= MAX_EMAIL_ATTEMPTS:
            changes.update(status=OutboundEmail.Status.FAILED)
    mine = OutboundEmail.objects.filter(pk=email.pk, status=OutboundEmail.Status.PENDING, attempts=email.attempts)
    if not mine.update(**changes):
        logger.warning(
            "e-mail %s: attempt %s finished after its lease; its result is dropped", email.pk, email.attempts
        )
