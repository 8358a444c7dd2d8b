"""Rows read once per span of work instead of once per use: a batch of deadlines is one span.

Only for rows that, once they exist, never change in a way the reader depends on (the
platform's fee account: its id and kind). Inside `span()`, `remembered(key)` returns what
`remember(key, value)` stored earlier in the span; outside a span nothing is kept. A span runs
inside one transaction, so what is remembered may have been written by that transaction: who
rolls back part of it (a savepoint) calls `forget()`, and the next use reads afresh."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_SPAN: ContextVar[dict[str, object] | None] = ContextVar("parley_span", default=None)


@contextmanager
def span() -> Iterator[None]:
    token = _SPAN.set({})
    try:
        yield
    finally:
        _SPAN.reset(token)


def remembered(key: str) -> object | None:
    kept = _SPAN.get()
    return None if kept is None else kept.get(key)


def remember(key: str, value: object) -> None:
    kept = _SPAN.get()
    if kept is not None:
        kept[key] = value


def forget() -> None:
    """Drops everything remembered in the current span (part of its transaction rolled back)."""
    kept = _SPAN.get()
    if kept is not None:
        kept.clear()
