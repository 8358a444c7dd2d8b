"""Uploaded files (dispute evidence, ticket attachments), checked one way.

The type comes from the content (an image Pillow can read, or a PDF's magic bytes), never
from the name or the client's Content-Type; size and pixel count are capped; images are
re-encoded, which drops EXIF, comments and anything appended to them; the SHA-256 recorded is
that of the bytes stored. Files leave the server only as downloads with sniffing switched off.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.text import get_valid_filename
from PIL import Image, UnidentifiedImageError

IMAGES: dict[str, tuple[str, str]] = {
    "JPEG": ("image/jpeg", ".jpg"),
    "PNG": ("image/png", ".png"),
    "WEBP": ("image/webp", ".webp"),
    "GIF": ("image/gif", ".gif"),
}
PDF = ("application/pdf", ".pdf")
EXTENSIONS: dict[str, str] = dict((*IMAGES.values(), PDF))


class FileRefused(ValueError):
    """An upload that is not accepted; the message says why, in words a person can act on."""


@dataclass(frozen=True, slots=True)
class CheckedFile:
    data: bytes  # what is stored: the upload itself, or the re-encoded image
    name: str  # the client's name, reduced to something safe to show and to send back
    content_type: str
    extension: str
    upload_sha256: str
    width: int | None = None
    height: int | None = None
    stored: str = ""  # SHA-256 of `data`, computed with it (before any transaction opens)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return self.stored or hashlib.sha256(self.data).hexdigest()


# The largest limits any kind of upload has: `prepare` runs with them before the request's
# transaction opens, and `check` then applies each kind's own limits to what it found.
PREPARE_MAX_BYTES_FLOOR = 5 * 1024 * 1024
PREPARE_MAX_PIXELS = 40_000_000
PREPARED = "_parley_prepared"


@dataclass(frozen=True, slots=True)
class _Inspection:
    """What the expensive pass found about one upload, whatever limits apply to it."""

    size: int
    checked: CheckedFile | None = None
    kind: str = ""  # the image format, "" for a PDF
    frames: int = 1
    refusal: str | None = None  # why it is refused whatever its limits
    not_allowed: bool = False  # not an image or PDF we read at all


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def prepare(upload: UploadedFile) -> None:
    """Decodes, re-encodes and hashes `upload` now, keeping the result on it for `check`.

    The request middleware calls this before it opens the request's transaction, so the slow
    part of an upload never holds the database's write lock (SQLite has only one)."""
    ceiling = max(PREPARE_MAX_BYTES_FLOOR, int(getattr(settings, "EVIDENCE_MAX_BYTES", 0)))
    setattr(upload, PREPARED, _inspect(upload, max_bytes=ceiling, max_pixels=PREPARE_MAX_PIXELS))


def check(upload: UploadedFile, *, max_bytes: int, max_pixels: int, image_formats: frozenset[str]) -> CheckedFile:
    """Reads and checks one upload, or raises FileRefused. Uses the work of `prepare` when the
    middleware did it, so only cheap comparisons happen here."""
    found = getattr(upload, PREPARED, None)
    if not isinstance(found, _Inspection):
        found = _inspect(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    if found.size > max_bytes:
        raise FileRefused(f"larger than {max_bytes // (1024 * 1024)} MB")
    allowed = ", ".join(sorted(image_formats))
    not_allowed = f"only images ({allowed}) and PDF documents are accepted"
    if found.not_allowed:
        raise FileRefused(not_allowed)
    if found.refusal is not None:
        raise FileRefused(found.refusal)
    checked = found.checked
    assert checked is not None
    if found.kind:
        if found.kind not in image_formats:
            raise FileRefused(not_allowed)
        if (checked.width or 0) * (checked.height or 0) > max_pixels:
            raise FileRefused("the image has too many pixels")
        if found.frames != 1:
            raise FileRefused("animated images are not accepted")
    return checked


def _inspect(upload: UploadedFile, *, max_bytes: int, max_pixels: int) -> _Inspection:
    try:
        data = _read_capped(upload, max_bytes)
    except _TooLarge as exc:
        return _Inspection(size=exc.size)
    except FileRefused as exc:
        return _Inspection(size=0, refusal=str(exc))
    name = safe_name(upload.name)
    digest = _digest(data)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            return _Inspection(size=len(data), refusal="the PDF is damaged or incomplete")
        return _Inspection(size=len(data), checked=CheckedFile(data, name, PDF[0], PDF[1], digest, stored=digest))
    return _image(data, name, digest, max_pixels=max_pixels)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        self.size = size


def _read_capped(upload: UploadedFile, max_bytes: int) -> bytes:
    chunks, size = [], 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge(size)
        chunks.append(chunk)
    if size == 0:
        raise FileRefused("the file is empty")
    return b"".join(chunks)


def _image(data: bytes, name: str, digest: str, *, max_pixels: int) -> _Inspection:
    size = len(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind, (width, height) = probe.format or "", probe.size
                frames = getattr(probe, "n_frames", 1)
                probe.verify()
            if kind not in IMAGES:
                return _Inspection(size=size, not_allowed=True)
            if width * height > max_pixels:
                return _Inspection(size=size, refusal="the image has too many pixels")
            if frames != 1:
                return _Inspection(size=size, refusal="animated images are not accepted")
            with Image.open(io.BytesIO(data)) as image:
                clean = _reencode(image, kind)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        return _Inspection(size=size, not_allowed=True)
    except (OSError, SyntaxError, ValueError):
        return _Inspection(size=size, refusal="the image is damaged")
    content_type, extension = IMAGES[kind]
    checked = CheckedFile(clean, name, content_type, extension, digest, width, height, stored=_digest(clean))
    return _Inspection(size=size, checked=checked, kind=kind, frames=frames)


def _reencode(image: Image.Image, kind: str) -> bytes:
    image.load()
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format=kind)
    return out.getvalue()


def safe_name(name: str | None) -> str:
    """The client's file name without any path, reduced to safe characters."""
    base = PurePath((name or "").replace("\\", "/")).name
    try:
        cleaned = get_valid_filename(base)[-100:]
    except SuspiciousFileOperation:  # nothing safe is left of it ("..", "")
        cleaned = ""
    return cleaned or "attachment"


def download_response(*, file: File, name: str, content_type: str) -> FileResponse:
    """How every stored file leaves the server: a download under its cleaned name, with the type
    the server determined, sniffing off, and no chance of being rendered as a page of ours."""
    response = FileResponse(file.open("rb"), as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
