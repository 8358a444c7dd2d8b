"""Events into the outbox: every audit event becomes one stored `Event` (read back by
`GET /events`) and one delivery per interested endpoint, with the same id and body.

`queue_deliveries` is subscribed to `core.audit.record` (see `apps.py`), so it runs inside the
transaction of the change the event reports: the deliveries commit with the change, or vanish
with it when it rolls back. Nothing is sent here; the worker sends (`webhooks.actions`).
Costs one insert and one small query per event when no endpoint is registered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import models, transaction

from core.ids import new_public_id
from core.models import AuditEvent
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

# Changes to the webhook configuration are audited like any change, but not delivered: an
# endpoint is not told about itself; nor about the administration's canned replies. A mediator's
# internal note on a dispute is the administration's alone: neither it nor the fact of it
# leaves Parley.
NOT_DELIVERED = ("webhook.", "api_key.", "canned_reply.", "dispute.note_added")


def queue_deliveries(event: AuditEvent, subject: models.Model) -> list[WebhookDelivery]:
    """Queues `event` for every active endpoint whose filter takes it, in the caller's
    transaction. All of them share one event id (the `webhook-id`)."""
    return queue_many_deliveries([event], subject)


def queue_many_deliveries(events: list[AuditEvent], subject: models.Model) -> list[WebhookDelivery]:
    """`queue_deliveries` for several events of one subject (`audit.record_many`): their stored
    copies in one INSERT, their deliveries in another."""
    delivered = [event for event in events if not event.code.startswith(NOT_DELIVERED)]
    if not delivered:
        return []
    ids = public_ids_of(subject, delivered[0].subject_type)
    copies = []
    for event in delivered:
        event_id = new_public_id("evt")
        copies.append(
            Event(
                public_id=event_id,
                code=event.code,
                subject_id=ids.get(f"{event.subject_type}_id", "")[:32],
                order_id=ids.get("order_id", "")[:32],
                payload=payload_of(event, subject, event_id=event_id),
                created_at=event.created_at,
            )
        )
    Event.objects.bulk_create(copies)
    endpoints = active_endpoints()
    return WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint_id=pk,
            event_id=copy.public_id,
            event_code=copy.code,
            payload=copy.payload,
            next_attempt_at=copy.created_at,
            created_at=copy.created_at,
        )
        for copy in copies
        for pk, filters in endpoints
        if matches(filters, copy.code)
    )


_CACHED = "_parley_active_webhook_endpoints"
_CHANGED = object()  # an endpoint was saved or deleted in this transaction: no more caching


def active_endpoints() -> list[tuple[int, list[str]]]:
    """The active endpoints and their filters, read once per outermost transaction: a request or
    a batch of deadlines that records several events looks them up once. A transaction that
    saves or deletes an endpoint (`endpoints_changed`, connected in `apps.py`) reads them afresh
    every time from then on, so a savepoint rolled back can never leave a stale reading."""
    connection = transaction.get_connection()
    outermost = connection.atomic_blocks[0] if connection.in_atomic_block else None
    cached = getattr(outermost, _CACHED, None)
    if cached is not None and cached is not _CHANGED:
        return cached
    active = list(WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "event_filter"))
    if outermost is not None and cached is None:
        setattr(outermost, _CACHED, active)
    return active


def endpoints_changed(**_: object) -> None:
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        setattr(connection.atomic_blocks[0], _CACHED, _CHANGED)


def matches(filters: list[str], code: str) -> bool:
    """Whether an endpoint with these filters wants `code`. Empty takes everything; an entry
    takes the code itself and its family at a dot: "order." and "order" take "order.delivered",
    "dispute.resolved" takes only that code."""
    if not filters:
        return True
    return any(code == entry or code.startswith(entry.rstrip(".") + ".") for entry in filters)


def payload_of(event: AuditEvent, subject: models.Model, *, event_id: str) -> dict[str, Any]:
    """The body receivers get: the event's facts, the subject and its order by public id, and
    who acted. Never a database integer."""
    return {
        "id": event_id,
        "type": event.code,
        "created_at": rfc3339(event.created_at),
        "data": {**event.data, **public_ids_of(subject, event.subject_type), "actor": _actor(event)},
    }


def public_ids_of(subject: models.Model, subject_type: str) -> dict[str, str]:
    """`{"dispute_id": "dsp_…", "order_id": "ord_…"}`: the subject's public id under its type's
    name, and the order it concerns (a dispute's, or a ticket's if it names one)."""
    ids = {}
    if public_id := getattr(subject, "public_id", None):
        ids[f"{subject_type}_id"] = public_id
    order = getattr(subject, "order", None)
    if order_public_id := getattr(order, "public_id", None):
        ids["order_id"] = order_public_id
    return ids


def _actor(event: AuditEvent) -> dict[str, str | None]:
    """Who acted: the user (by public id), the rule that fired, and the API key the change came
    through (`key_id`, only when there was one; named in full under `data.via_key`)."""
    actor: dict[str, str | None] = {
        "role": event.actor_role,
        "user_id": event.actor.public_id if event.actor is not None else None,
        "rule": event.rule or None,
    }
    if isinstance(key := (event.data or {}).get("via_key"), dict):
        actor["key_id"] = key.get("id")
    return actor


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
