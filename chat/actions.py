"""Writing to a chat. Who may write is decided by the caller (the order or the dispute);
this module only stores, flags and marks read."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import User
from chat.flags import OFF_PLATFORM, findings
from chat.models import Message, ReadMark
from core import clock
from core.actors import Actor, SystemActor
from core.text import MAX_TEXT, clean_text

MAX_BODY = MAX_TEXT


def clean_body(body: str) -> str:
    return clean_text(body, "body", required=True, limit=MAX_BODY, what="a message")


def post_message(*, order_id: int, channel: str, by: Actor, role: str, body: str) -> Message:
    """Stores a message in the caller's transaction; off-platform contact is flagged."""
    body = clean_body(body)
    found = [] if isinstance(by, SystemActor) else findings(body, own_hosts=own_hosts())
    message = Message.objects.create(
        order_id=order_id,
        channel=channel,
        author=None if isinstance(by, SystemActor) else by,
        author_role="system" if isinstance(by, SystemActor) else role,
        body=body,
        flags=[OFF_PLATFORM] if found else [],
        flag_details=[f.as_dict() for f in found],
        created_at=clock.now(),
    )
    if not isinstance(by, SystemActor):
        mark_read(user=by, order_id=order_id, channel=channel, up_to=message.pk)
    return message


def own_hosts() -> tuple[str, ...]:
    """Hosts of Parley itself: links to them are not contact outside the platform."""
    hosts = {h for h in settings.ALLOWED_HOSTS if h not in {"*", "127.0.0.1", "localhost", "[::1]"}}
    public = urlsplit(getattr(settings, "PUBLIC_URL", "") or "").hostname
    if public and public not in {"127.0.0.1", "localhost"}:
        hosts.add(public)
    return tuple(sorted(h.lstrip(".") for h in hosts))


def mark_read(*, user: User, order_id: int, channel: str, up_to: int) -> None:
    updated = ReadMark.objects.filter(user=user, order_id=order_id, channel=channel, last_read_id__lt=up_to).update(
        last_read_id=up_to
    )
    if updated:
        return
    try:
        with transaction.atomic():
            ReadMark.objects.get_or_create(
                user=user, order_id=order_id, channel=channel, defaults={"last_read_id": up_to}
            )
    except IntegrityError:  # created concurrently; the update above covers the next read
        pass
