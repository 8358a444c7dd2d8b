"""The audit trail: `record()` writes one event inside the caller's transaction.

Other apps may `subscribe()` to every event, to keep a transactional outbox beside the trail
(webhooks do). Core never imports its subscribers: they register themselves from their
`AppConfig.ready()`, and `record()` calls them in order, synchronously, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from core import clock
from core.actors import Actor, SystemActor
from core.models import AuditEvent

Subscriber = Callable[[AuditEvent, models.Model], object]  # what it returns is ignored
ManySubscriber = Callable[[list[AuditEvent], models.Model], object]
_SUBSCRIBERS: list[Subscriber] = []
# A subscriber's way of taking several events of one subject at once (`record_many`), if it has one.
_MANY: dict[Subscriber, ManySubscriber] = {}
# The API key a request came in with (`{"id": "key_…", "name"}`), so that every event written
# during the request names the key beside the user (`data["via_key"]`).
_VIA_KEY: ContextVar[dict[str, str] | None] = ContextVar("parley_via_key", default=None)


@contextmanager
def via_key(key: dict[str, str] | None) -> Iterator[None]:
    """Every event recorded inside this block carries `data["via_key"] = key`."""
    token = _VIA_KEY.set(key)
    try:
        yield
    finally:
        _VIA_KEY.reset(token)


def subscribe(fn: Subscriber, *, many: ManySubscriber | None = None) -> Subscriber:
    """Calls `fn(event, subject)` for every event `record()` writes, right after writing it.
    `many(events, subject)`, if given, takes the events `record_many()` writes together, in one
    call, instead of `fn` once for each.

    Contract for subscribers: only write rows to the database (they commit or roll back with
    the change the event reports); never talk to the outside world, never sleep. An exception
    in a subscriber aborts the caller's change, so that an outbox row is never missing for a
    change that committed. Registering the same function twice has no effect."""
    if fn not in _SUBSCRIBERS:
        _SUBSCRIBERS.append(fn)
        if many is not None:
            _MANY[fn] = many
    return fn


def unsubscribe(fn: Subscriber) -> None:
    if fn in _SUBSCRIBERS:
        _SUBSCRIBERS.remove(fn)
        _MANY.pop(fn, None)


def case_id_of(subject: models.Model) -> int | None:
    """The order a subject's events belong with (an order and its dispute share a timeline).
    Models opt in with an `audit_case_id` property."""
    return getattr(subject, "audit_case_id", None)


def subject_type_of(subject: models.Model) -> str:
    return subject._meta.model_name or type(subject).__name__.lower()


def record(
    code: str,
    *,
    subject: models.Model,
    by: Actor,
    role: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Writes the event `code` (dotted, stable: `order.delivered`) for `subject`, then tells
    the subscribers.

    `role` is the actor's role in this case (buyer, seller, staff, user or system). Joins the
    caller's transaction (or opens one, without a savepoint), so the event and whatever the
    subscribers write commit together."""
    with transaction.atomic(savepoint=False):
        event = _event(code, subject=subject, by=by, role=role, data=data)
        event.save(force_insert=True)
        for subscriber in _SUBSCRIBERS:
            subscriber(event, subject)
    return event


@dataclass(frozen=True, slots=True)
class Entry:
    """One event for `record_many`: what `record()` takes besides the subject."""

    code: str
    by: Actor
    role: str
    data: dict[str, Any] | None = None


def record_many(subject: models.Model, entries: Sequence[Entry]) -> list[AuditEvent]:
    """Writes these events of one subject, in this order, as `record()` would one after the
    other (each stamped with its own reading of the clock, ids ascending), in one INSERT; then
    tells the subscribers, each once for all of them if it takes several at once."""
    with transaction.atomic(savepoint=False):
        written = AuditEvent.objects.bulk_create(
            [_event(e.code, subject=subject, by=e.by, role=e.role, data=e.data) for e in entries]
        )
        for subscriber in _SUBSCRIBERS:
            if (many := _MANY.get(subscriber)) is not None:
                many(written, subject)
            else:
                for event in written:
                    subscriber(event, subject)
    return written


def _event(code: str, *, subject: models.Model, by: Actor, role: str, data: dict[str, Any] | None) -> AuditEvent:
    system = isinstance(by, SystemActor)
    if (key := _VIA_KEY.get()) is not None:
        data = {**(data or {}), "via_key": key}
    return AuditEvent(
        created_at=clock.now(),
        code=code,
        actor=None if isinstance(by, SystemActor) else by,
        actor_role="system" if system else role,
        rule=by.rule if isinstance(by, SystemActor) else "",
        subject_type=subject_type_of(subject),
        subject_id=subject.pk,
        case_id=case_id_of(subject),
        data=data or {},
    )
