"""Keyset pagination with opaque cursors (`{"items": [...], "next_cursor": ...}`).

Lists are ordered by primary key (newest first, chats oldest first), so a page is one index
range scan however deep the client reads, and rows added meanwhile never shift a page."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from django.db import models
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page[T]:
    items: list[T]
    next_cursor: str | None


# A cursor carries the last row's id, which must not tell a client how many rows exist (API.md:
# clients never see database integers). So the id is enciphered with a keyed permutation of
# 64-bit blocks: four Feistel rounds whose round function is an HMAC keyed by the secret key.
# It hides the number; it is not a secret worth attacking (a forged cursor only starts a page
# somewhere). The low 16 bits of the block are zero, so a cursor not given out is refused
# with a 65535-in-65536 chance.
_ROUNDS = 4
_TAG_BITS = 16
_HALF_MASK = (1 << 32) - 1


def _round(i: int, half: int) -> int:
    digest = salted_hmac("parley.pagination.cursor", f"{i}:{half}", algorithm="sha256").digest()
    return int.from_bytes(digest[:4], "big")


def _encipher(block: int) -> int:
    left, right = block >> 32, block & _HALF_MASK
    for i in range(_ROUNDS):
        left, right = right, left ^ _round(i, right)
    return left << 32 | right


def _decipher(block: int) -> int:
    left, right = block >> 32, block & _HALF_MASK
    for i in reversed(range(_ROUNDS)):
        left, right = right ^ _round(i, left), left
    return left << 32 | right


def encode_cursor(last_id: int) -> str:
    if not 0 <= last_id < 1 << (64 - _TAG_BITS):
        raise ValueError("row id out of the cursor's range")
    block = _encipher(last_id << _TAG_BITS)
    return base64.urlsafe_b64encode(block.to_bytes(8, "big")).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if len(raw) != 8:
            raise ValueError(len(raw))
        block = _decipher(int.from_bytes(raw, "big"))
        if block & ((1 << _TAG_BITS) - 1):
            raise ValueError("tag")
        return block >> _TAG_BITS
    except (ValueError, binascii.Error):
        raise ValidationFailed(
            _("The cursor is not one this server gave out."), fields={"cursor": ["invalid"]}
        ) from None


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise ValidationFailed(
            _("limit must be between 1 and %(MAX_LIMIT)s.") % {"MAX_LIMIT": MAX_LIMIT},
            fields={"limit": ["out of range"]},
        )
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
