"""Files attached to ticket messages, checked by `core.files` (type by content, size and
pixel limits, images re-encoded; the SHA-256 is that of the stored bytes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from core import clock, files
from core.errors import ValidationFailed
from core.files import CheckedFile, download_response, safe_name

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = 40_000_000  # well below Pillow's own decompression-bomb limit
IMAGE_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})
FIELD = "attachments"

if TYPE_CHECKING:
    from accounts.models import User
    from tickets.models import Ticket

__all__ = ["MAX_BYTES", "MAX_FILES", "CheckedFile", "check_all", "download_response", "safe_name"]


def check_all(uploads: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Every upload checked, or a 422 naming each file that was refused and why."""
    if len(uploads) > MAX_FILES:
        raise ValidationFailed(_("Too many files."), fields={FIELD: [f"At most {MAX_FILES} files at a time."]})
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(files.check(upload, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS, image_formats=IMAGE_FORMATS))
        except files.FileRefused as exc:
            problems.append(f"{safe_name(upload.name)}: {exc}")
    if problems:
        raise ValidationFailed(_("Some files cannot be attached."), fields={FIELD: problems})
    return checked


def check_quota(ticket: Ticket, *, by: User | None, adding: Sequence[CheckedFile]) -> None:
    """Refuses (422 `attachment_quota`) files beyond the ticket's quota or the author's quota
    for the last 24 hours. Runs in the message's transaction with the ticket locked; the
    author's row is locked too, so one person's messages racing on two tickets are counted in
    turn."""
    if not adding:
        return
    from accounts.models import User
    from tickets.models import TicketAttachment

    count, size = len(adding), sum(f.size for f in adding)
    held = TicketAttachment.objects.filter(message__ticket=ticket).aggregate(n=Count("id"), b=Sum("size"))
    if held["n"] + count > settings.TICKET_ATTACHMENTS_PER_TICKET:
        _refuse(f"A ticket can hold at most {settings.TICKET_ATTACHMENTS_PER_TICKET} files.")
    if (held["b"] or 0) + size > settings.TICKET_ATTACHMENT_BYTES_PER_TICKET:
        megabytes = settings.TICKET_ATTACHMENT_BYTES_PER_TICKET // (1024 * 1024)
        _refuse(f"A ticket can hold at most {megabytes} MB of files.")
    if by is None or by.is_staff:
        return
    User.objects.select_for_update().filter(pk=by.pk).first()
    since = clock.now() - timedelta(hours=24)
    mine = TicketAttachment.objects.filter(message__author=by, created_at__gt=since).aggregate(
        n=Count("id"), b=Sum("size")
    )
    if mine["n"] + count > settings.ATTACHMENT_FILES_PER_USER_DAY or (mine["b"] or 0) + size > (
        settings.ATTACHMENT_BYTES_PER_USER_DAY
    ):
        _refuse(
            f"You can attach at most {settings.ATTACHMENT_FILES_PER_USER_DAY} files "
            f"({settings.ATTACHMENT_BYTES_PER_USER_DAY // (1024 * 1024)} MB) in 24 hours. Try again later."
        )


def _refuse(detail: str) -> None:
    raise ValidationFailed(detail, code="attachment_quota", fields={FIELD: [detail]})
