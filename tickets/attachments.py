"""Files attached to ticket messages, checked by `core.files` (type by content, size and
pixel limits, images re-encoded; the SHA-256 is that of the stored bytes)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile

from core import files
from core.errors import ValidationFailed
from core.files import CheckedFile, download_response, safe_name

MAX_BYTES = 5 * 1024 * 1024
MAX_FILES = 5
MAX_PIXELS = 40_000_000  # well below Pillow's own decompression-bomb limit
IMAGE_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})
FIELD = "attachments"

__all__ = ["MAX_BYTES", "MAX_FILES", "CheckedFile", "check_all", "download_response", "safe_name"]


def check_all(uploads: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Every upload checked, or a 422 naming each file that was refused and why."""
    if len(uploads) > MAX_FILES:
        raise ValidationFailed("Too many files.", fields={FIELD: [f"At most {MAX_FILES} files at a time."]})
    checked, problems = [], []
    for upload in uploads:
        try:
            checked.append(files.check(upload, max_bytes=MAX_BYTES, max_pixels=MAX_PIXELS, image_formats=IMAGE_FORMATS))
        except files.FileRefused as exc:
            problems.append(f"{safe_name(upload.name)}: {exc}")
    if problems:
        raise ValidationFailed("Some files cannot be attached.", fields={FIELD: problems})
    return checked
