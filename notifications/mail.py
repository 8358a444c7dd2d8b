"""E-mail people read: each notification kind has a text and an HTML template
(`notifications/mail/<kind>.txt|.html`, falling back to `default`), written in the recipient's
language and time zone, naming the item and the other side rather than an opaque id, with
absolute links (`PARLEY_PUBLIC_URL`). Chat messages are not mailed one by one: a digest per case
goes out at most once per `PARLEY_CHAT_DIGEST_MINUTES`, and only to people who did not switch
optional mail off (an unsubscribe link in every such mail, a signed token)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.template.loader import select_template
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core import locale
from notifications.links import absolute
from notifications.models import Notification, OutboundEmail

# Chat messages: one digest per case and interval instead of one e-mail per message (optional mail).
DIGESTED = frozenset({"order.message", "dispute.message"})
UNSUBSCRIBE_SALT = "parley.mail.unsubscribe"
CASE_LINK = re.compile(r"^/(orders|disputes|tickets)/([a-z]{3}_[0-9a-z]+)/")


@dataclass(frozen=True, slots=True)
class Case:
    """What a notification is about, as a person names it."""

    kind: str  # "order", "dispute", "ticket", or "" when the link is to no case
    item: str  # the listing's title, or the ticket's subject
    counterpart: str  # the other side's name for this recipient ("" when there is none)


def digest_interval() -> timedelta:
    return timedelta(minutes=int(getattr(settings, "CHAT_DIGEST_MINUTES", 15)))


def unsubscribe_token(user: User) -> str:
    return signing.dumps({"u": user.public_id}, salt=UNSUBSCRIBE_SALT, compress=True)


def user_for_unsubscribe(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return User.objects.filter(public_id=str(data.get("u", ""))).first() if isinstance(data, dict) else None


def unsubscribe_url(user: User) -> str:
    return absolute(reverse("web:unsubscribe", args=[unsubscribe_token(user)]))


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.display_name or user.username


def subject_of(link: str) -> Any:
    """The order or ticket a link is about (a dispute's order), read once per notification."""
    match = CASE_LINK.match(link or "")
    if match is None:
        return None
    kind, public_id = match.groups()
    from disputes.models import Dispute
    from orders.models import Order
    from tickets.models import Ticket

    if kind == "orders":
        return Order.objects.select_related("buyer", "seller").filter(public_id=public_id).first()
    if kind == "disputes":
        dispute = Dispute.objects.select_related("order__buyer", "order__seller").filter(public_id=public_id).first()
        return dispute.order if dispute else None
    return Ticket.objects.select_related("owner").filter(public_id=public_id).first()


def case_of(subject: Any, user: User) -> Case:
    from orders.models import Order
    from tickets.models import Ticket

    if isinstance(subject, Ticket):
        other = _name(subject.owner) if subject.owner_id != user.pk else _("Parley support")
        return Case("ticket", subject.subject, other)
    if not isinstance(subject, Order):
        return Case("", "", "")
    item = str((subject.listing_snapshot or {}).get("title", ""))
    if user.pk == subject.buyer_id:
        other = _name(subject.seller)
    elif user.pk == subject.seller_id:
        other = _name(subject.buyer)
    else:
        other = _("%(buyer)s and %(seller)s") % {"buyer": _name(subject.buyer), "seller": _name(subject.seller)}
    return Case("order", item, other)


def _templates(code: str, ext: str) -> Any:
    return select_template([f"notifications/mail/{code}.{ext}", f"notifications/mail/default.{ext}"])


def render(
    user: User,
    *,
    code: str,
    title: str,
    body: str,
    link: str,
    about: Any = None,
    items: list[Notification] | None = None,
) -> tuple[str, str, str]:
    """(subject, text, html) for `user`, in their language and zone; `about` is `subject_of(link)`."""
    with locale.speaking_to(user):
        case = case_of(about if about is not None else subject_of(link), user)
        context: dict[str, Any] = {
            "user": user,
            "name": _name(user),
            "code": code,
            "title": title,
            "body": body,
            "url": absolute(link) if link else "",
            "case": case,
            "items": items or [],
            "public_url": absolute("/"),
            "profile_url": absolute(reverse("web:profile")),
            "unsubscribe_url": unsubscribe_url(user) if code in DIGESTED else "",
        }
        if items:
            subject = _("New messages about “%(item)s”") % {"item": case.item} if case.item else title
        else:
            subject = f"{title} · {case.item}" if case.item and case.item not in title else title
        text = _templates(code, "txt").render(context).strip() + "\n"
        html = _templates(code, "html").render(context)
    return f"[Parley] {subject}"[:200], text, html


def compose(note: Notification, user: User, *, now: datetime, about: Any = None) -> OutboundEmail:
    subject, text, html = render(user, code=note.code, title=note.title, body=note.body, link=note.link, about=about)
    return OutboundEmail(
        notification=note,
        to=user.email,
        subject=subject,
        body=text,
        html_body=html,
        next_attempt_at=now,
        created_at=now,
    )


def queue_digest(note: Notification, user: User, *, now: datetime, about: Any = None) -> None:
    """Adds a chat message to the recipient's pending digest for this case, or starts one that
    goes out once the interval since their last digest for the case has passed."""
    key = f"{user.pk}:{note.link.split('#')[0]}"
    pending = (
        OutboundEmail.objects.select_for_update()
        .filter(digest_key=key, status=OutboundEmail.Status.PENDING, attempts=0)
        .order_by("id")
        .first()
    )
    if pending is None:
        earlier = OutboundEmail.objects.filter(digest_key=key)
        in_flight = earlier.filter(status=OutboundEmail.Status.PENDING).exists()  # being sent right now
        last = (
            now
            if in_flight
            else earlier.filter(sent_at__isnull=False).order_by("-sent_at").values_list("sent_at", flat=True).first()
        )
        due = max(now, last + digest_interval()) if last else now
        pending = OutboundEmail(
            notification=note, to=user.email, digest_key=key, next_attempt_at=due, created_at=now, subject="", body=""
        )
    since = pending.created_at
    items = list(
        Notification.objects.filter(user=user, code=note.code, link=note.link, created_at__gte=since).order_by("id")
    )
    if note.pk and all(n.pk != note.pk for n in items):
        items.append(note)
    pending.subject, pending.body, pending.html_body = render(
        user, code=note.code, title=note.title, body=note.body, link=note.link, about=about, items=items
    )
    pending.save()
