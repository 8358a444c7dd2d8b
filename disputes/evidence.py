"""Evidence files: checked by `core.files` (type by content, size and pixel limits, images
re-encoded), stored under a server-made name with their SHA-256, never changed afterwards."""

from __future__ import annotations

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit, clock, files
from core.errors import ValidationFailed
from disputes import events
from disputes.models import Dispute, Evidence

IMAGE_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})


def check(upload: UploadedFile) -> files.CheckedFile:
    """Checks an upload; raises ValidationFailed (422, code `invalid_file`) when it is refused."""
    try:
        return files.check(
            upload,
            max_bytes=settings.EVIDENCE_MAX_BYTES,
            max_pixels=settings.EVIDENCE_MAX_PIXELS,
            image_formats=IMAGE_FORMATS,
        )
    except files.FileRefused as exc:
        message = f"{files.safe_name(upload.name)}: {exc}"
        raise ValidationFailed(message, code="invalid_file", fields={"file": [message]}) from None


def check_quota(dispute: Dispute, *, adding: int) -> None:
    """A dispute collects at most `EVIDENCE_MAX_FILES` files, however many people upload."""
    if dispute.evidence.count() + adding > settings.EVIDENCE_MAX_FILES:
        raise ValidationFailed(
            _("A dispute can hold at most %(EVIDENCE_MAX_FILES)s files.")
            % {"EVIDENCE_MAX_FILES": settings.EVIDENCE_MAX_FILES},
            code="too_many_files",
            fields={"file": ["too many files"]},
        )


def store(*, dispute: Dispute, by: User, role: str, checked: files.CheckedFile) -> Evidence:
    item = Evidence(
        dispute=dispute,
        uploaded_by=by,
        uploader_role=role,
        original_name=checked.name[:120],
        content_type=checked.content_type,
        extension=checked.extension,
        size=checked.size,
        sha256=checked.sha256,
        upload_sha256=checked.upload_sha256,
        width=checked.width,
        height=checked.height,
        created_at=clock.now(),
    )
    item.public_id = item._meta.get_field("public_id").pre_save(item, True)  # name the file after the id
    item.file.save("upload", ContentFile(checked.data), save=False)
    item.save()
    return item


def add(dispute: Dispute, *, by: User, role: str, checked: list[files.CheckedFile]) -> list[Evidence]:
    """Stores checked files on a dispute, within its quota, each with its audit event. The
    caller holds the dispute's lock."""
    check_quota(dispute, adding=len(checked))
    stored = []
    for item in checked:
        evidence = store(dispute=dispute, by=by, role=role, checked=item)
        audit.record(
            events.DISPUTE_EVIDENCE_ADDED,
            subject=dispute,
            by=by,
            role=role,
            data={"file": evidence.original_name, "sha256": evidence.sha256},
        )
        stored.append(evidence)
    return stored


def download_response(item: Evidence) -> FileResponse:
    return files.download_response(file=item.file, name=item.original_name, content_type=item.content_type)
