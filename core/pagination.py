"""Keyset pagination with opaque cursors (`{"items": [...], "next_cursor": ...}`).

Lists are ordered by primary key (newest first, chats oldest first), so a page is one index
range scan however deep the client reads, and rows added meanwhile never shift a page."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.db import models

from core.errors import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"k1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, value = raw.partition(":")
        if prefix != "k1":
            raise ValueError(prefix)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationFailed("The cursor is not one this server gave out.", fields={"cursor": ["invalid"]}) from None


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}.", fields={"limit": ["out of range"]})
    return limit


def keyset_page[M: models.Model](
    qs: models.QuerySet[M], *, cursor: str | None, limit: int | None, oldest_first: bool = False
) -> Page[M]:
    """One page of `qs`, newest first (chats: oldest first); `cursor` continues after the
    previous page."""
    size = clamp_limit(limit)
    if cursor:
        last = decode_cursor(cursor)
        qs = qs.filter(pk__gt=last) if oldest_first else qs.filter(pk__lt=last)
    rows = list(qs.order_by("pk" if oldest_first else "-pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_cursor(rows[-1].pk) if more and rows else None)
