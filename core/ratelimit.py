"""Fixed-window rate limits that hold across every process.

Each hit is one atomic statement that increments the window's counter and returns the new
total: `INSERT … ON CONFLICT DO UPDATE … RETURNING` on PostgreSQL and on SQLite (inside its
single-writer lock), or `INCR` on Redis when `PARLEY_REDIS_URL` is set. There is no read,
compare and write for two requests to interleave in, so exactly `limit` hits pass however many
race. Counters live in their own table (`core.RateCounter`), not in a cache with a row cap, and
the worker deletes expired windows (`prune`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext

from core import clock
from core.errors import RateLimited
from core.lookups import by_unique_key
from core.models import RateCounter


@dataclass(frozen=True, slots=True)
class Budget:
    """What a limit leaves: sent as `RateLimit-Limit`, `-Remaining` and `-Reset` (seconds)."""

    limit: int
    remaining: int
    reset: int

    @property
    def exhausted(self) -> bool:
        return self.remaining <= 0


def _bucket(scope: str, ident: str, window: int) -> tuple[str, int, datetime]:
    """The window's key, the seconds until it ends, and when it ends."""
    now = clock.now()
    stamp = int(now.timestamp())
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    left = window - stamp % window
    return f"rl:{scope}:{digest}:{window}:{stamp // window}", left, now + timedelta(seconds=left)


_UPSERT = (
    "INSERT INTO core_ratecounter (bucket, count, expires_at) VALUES (%s, 1, %s) "
    "ON CONFLICT (bucket) DO UPDATE SET count = core_ratecounter.count + 1 RETURNING count"
)


def count(scope: str, ident: str, *, window: int) -> int:
    """Counts one event for `ident` in the current window and returns the window's total."""
    return _increment(*_bucket(scope, ident, window))


def _increment(key: str, left: int, ends: datetime) -> int:
    if (redis := _redis()) is not None:
        pipe = redis.pipeline(transaction=True)
        pipe.incr(key)
        pipe.expire(key, left + 1, nx=True)
        return int(pipe.execute()[0])
    with connection.cursor() as cursor:
        cursor.execute(_UPSERT, [key, ends])
        return int(cursor.fetchone()[0])


def current(scope: str, ident: str, *, window: int) -> int:
    """The window's total so far, without counting."""
    return _read(_bucket(scope, ident, window)[0])


def _read(key: str) -> int:
    if (redis := _redis()) is not None:
        return int(redis.get(key) or 0)
    return by_unique_key(RateCounter.objects.filter(bucket=key).values_list("count", flat=True)) or 0


def guard(scope: str, ident: str, *, limit: int, window: int) -> None:
    """Raises `RateLimited` when `ident` already reached `limit` events in this window."""
    if current(scope, ident, window=window) >= limit:
        left = _left(window)
        raise RateLimited(
            gettext("Too many attempts. Try again in %(left)s seconds.") % {"left": left}, retry_after=left
        )


def hit(scope: str, ident: str, *, limit: int, window: int) -> Budget:
    """Counts one event and answers what is left; raises `RateLimited` (with the budget as
    `exc.budget`) when this event is beyond `limit`. The count and the verdict are one atomic
    step: of N racing hits exactly `limit` pass."""
    key, left, ends = _bucket(scope, ident, window)
    total = _increment(key, left, ends)
    budget = Budget(limit=limit, remaining=max(limit - total, 0), reset=left)
    if total > limit:
        exc = RateLimited(
            gettext("Too many attempts. Try again in %(left)s seconds.") % {"left": left}, retry_after=left
        )
        exc.budget = budget  # type: ignore[attr-defined]
        raise exc
    return budget


def peek(scope: str, ident: str, *, limit: int, window: int) -> Budget:
    """What is left of the limit, without counting (for answers to reads)."""
    key, left, _ = _bucket(scope, ident, window)
    total = _read(key)
    return Budget(limit=limit, remaining=max(limit - total, 0), reset=left)


def prune() -> int:
    """Deletes windows that have ended (the worker calls this; Redis expires its own)."""
    deleted, _ = RateCounter.objects.filter(expires_at__lt=clock.now()).delete()
    return deleted


def _left(window: int) -> int:
    return max(window - int(clock.now().timestamp()) % window, 1)


@cache
def _client(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=2)


def _redis() -> Any:
    url = getattr(settings, "REDIS_URL", "")
    return _client(url) if url else None
