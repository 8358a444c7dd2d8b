"""Fixed-window counters on the shared cache, for log-in and other abuse-prone doors."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

from core.errors import RateLimited


def _bucket(scope: str, ident: str, window: int) -> tuple[str, int]:
    now = int(time.time())
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{now // window}", window - now % window


def count(scope: str, ident: str, *, window: int) -> int:
    """Counts one event for `ident` in the current window and returns the window's total."""
    key, _ = _bucket(scope, ident, window)
    cache.add(key, 0, timeout=window)
    try:
        return int(cache.incr(key))
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def guard(scope: str, ident: str, *, limit: int, window: int) -> None:
    """Raises `RateLimited` when `ident` already reached `limit` events in this window."""
    key, remaining = _bucket(scope, ident, window)
    if int(cache.get(key, 0)) >= limit:
        raise RateLimited(f"Too many attempts. Try again in {remaining} seconds.", retry_after=max(remaining, 1))
