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

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def check(upload: UploadedFile, *, max_bytes: int, max_pixels: int, image_formats: frozenset[str]) -> CheckedFile:
    """Reads and checks one upload, or raises FileRefused."""
    data = _read_capped(upload, max_bytes)
    name = safe_name(upload.name)
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise FileRefused("the PDF is damaged or incomplete")
        return CheckedFile(data, name, PDF[0], PDF[1], digest)
    return _image(data, name, digest, max_pixels=max_pixels, formats=image_formats)


def _read_capped(upload: UploadedFile, max_bytes: int) -> bytes:
    chunks, size = [], 0
    for chunk in upload.chunks():
        size += len(chunk)
        if size > max_bytes:
            raise FileRefused(f"larger than {max_bytes // (1024 * 1024)} MB")
        chunks.append(chunk)
    if size == 0:
        raise FileRefused("the file is empty")
    return b"".join(chunks)


def _image(data: bytes, name: str, digest: str, *, max_pixels: int, formats: frozenset[str]) -> CheckedFile:
    allowed = ", ".join(sorted(formats))
    not_allowed = f"only images ({allowed}) and PDF documents are accepted"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind, (width, height) = probe.format or "", probe.size
                frames = getattr(probe, "n_frames", 1)
                probe.verify()
            if kind not in formats:
                raise FileRefused(not_allowed)
            if width * height > max_pixels:
                raise FileRefused("the image has too many pixels")
            if frames != 1:
                raise FileRefused("animated images are not accepted")
            with Image.open(io.BytesIO(data)) as image:
                clean = _reencode(image, kind)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileRefused(not_allowed) from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, FileRefused):
            raise
        raise FileRefused("the image is damaged") from None
    content_type, extension = IMAGES[kind]
    return CheckedFile(clean, name, content_type, extension, digest, width, height)


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
