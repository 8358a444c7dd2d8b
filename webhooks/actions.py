"""Every write about webhooks: staff register and disable endpoints; the worker sends what the
outbox holds (`send_due_webhooks`). Deliveries themselves are queued by `webhooks.fanout`
inside the transaction of each audit event.

Sending follows the e-mail outbox (`notifications.actions.send_due_emails`): each delivery is
claimed in a short transaction that moves its next attempt a lease ahead, the POST runs with no
database lock held, and the result is recorded in a second short transaction. Delivery is at
least once; receivers deduplicate on `webhook-id`."""

from __future__ import annotations

import base64
import logging
import re
import secrets
import time
from collections.abc import Sequence
from datetime import timedelta

from django.db import transaction

from accounts.models import User
from core import audit, clock
from core.errors import Forbidden, NotFound, ValidationFailed
from core.text import clean_text
from webhooks import sender
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from webhooks.targets import resolve

logger = logging.getLogger("parley.webhooks")

MAX_ATTEMPTS = 12  # 30 s, 1 min, 2 min … 6 h apart: the last try is about 14.5 h after the event
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=6)
SEND_LEASE = timedelta(minutes=2)  # a claimed delivery is left alone this long (TIMEOUT is far less)
ROUND_BUDGET = 10.0  # seconds of sending per worker round, so deadlines never wait behind webhooks
KEEP_FINISHED = timedelta(days=30)
EVENT_RETENTION = timedelta(days=30)  # PRODUCT.md §10: GET /events reaches at least 30 days back
MAX_FILTERS = 30
EVENT_FILTER = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?")
Status = WebhookDelivery.Status


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_endpoint(*, by: User, url: str, description: str = "", events: Sequence[str] = ()) -> WebhookEndpoint:
    """Registers an endpoint (staff only) with a fresh secret, which the caller shows once.
    Refuses a URL that is not https or whose host is not public (checked again at every send)."""
    _require_staff(by)
    url = url.strip()
    resolve(url)
    filters = clean_filters(events)
    description = clean_text(description, "description", required=False, limit=200)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.create(
            url=url,
            description=description,
            secret=new_secret(),
            event_filter=filters,
            created_by=by,
            created_at=clock.now(),
        )
        audit.record("webhook.created", subject=endpoint, by=by, role="staff", data={"url": url, "events": filters})
    return endpoint


def disable_endpoint(*, endpoint_id: int, by: User) -> WebhookEndpoint:
    """Stops all traffic to the endpoint (staff only): nothing new is queued for it and what was
    still pending fails with the reason. Disabling a disabled endpoint changes nothing."""
    _require_staff(by)
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound("No such webhook endpoint.")
        if not endpoint.is_active:
            return endpoint
        endpoint.is_active = False
        endpoint.disabled_at = clock.now()
        endpoint.save(update_fields=["is_active", "disabled_at"])
        dropped = endpoint.deliveries.filter(status=Status.PENDING).update(
            status=Status.FAILED, last_error="The endpoint was disabled."
        )
        audit.record("webhook.disabled", subject=endpoint, by=by, role="staff", data={"pending_dropped": dropped})
    return endpoint


def clean_filters(events: Sequence[str]) -> list[str]:
    """Event codes or families ("order.", "dispute.resolved"), without repeats, in order."""
    cleaned = list(dict.fromkeys(e.strip().lower() for e in events))
    if len(cleaned) > MAX_FILTERS:
        raise ValidationFailed(f"At most {MAX_FILTERS} event filters.", fields={"events": ["too many"]})
    bad = [e for e in cleaned if len(e) > 64 or not EVENT_FILTER.fullmatch(e)]
    if bad:
        raise ValidationFailed(
            f"Not an event code or family: {', '.join(bad)}. Use codes like order.delivered, or order. for all.",
            fields={"events": [f"Not an event code or family: {e} (order.delivered, or order. for all)" for e in bad]},
        )
    return cleaned


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden("Only the administration manages webhooks.")


def send_due_webhooks(*, limit: int = 50, budget: float = ROUND_BUDGET) -> int:
    """Sends due deliveries, oldest due first; returns how many were attempted.

    A failing endpoint cannot hold the rest: after one failure in a round its other deliveries
    wait for the next round, every POST is bounded by `sender.TIMEOUT`, and a round stops after
    `budget` seconds. A delivery that raises for any reason is recorded as a failed attempt."""
    attempted = 0
    failing: set[int] = set()
    stop_at = time.monotonic() + budget
    while attempted < limit and time.monotonic() < stop_at:
        delivery = _claim(skip_endpoints=failing)
        if delivery is None:
            break
        attempted += 1
        try:
            result = sender.post(
                url=delivery.endpoint.url,
                secret=delivery.endpoint.secret,
                event_id=delivery.event_id,
                payload=delivery.payload,
            )
        except Exception as exc:  # a bug must cost one attempt, not the worker round
            logger.exception("webhook delivery %s crashed", delivery.pk)
            result = sender.Attempt(None, f"{type(exc).__name__}: {exc}")
        if not result.ok:
            failing.add(delivery.endpoint_id)
        _record(delivery, result)
    return attempted


def _claim(*, skip_endpoints: set[int]) -> WebhookDelivery | None:
    """The earliest due delivery no other worker holds, its attempt counted and its next
    attempt moved a lease ahead, in one short transaction. Deliveries of an endpoint disabled
    meanwhile fail here instead."""
    while True:
        with transaction.atomic():
            now = clock.now()
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("endpoint")
                .filter(status=Status.PENDING, next_attempt_at__lte=now)
                .exclude(endpoint_id__in=skip_endpoints)
                .order_by("next_attempt_at", "id")
                .first()
            )
            if delivery is None:
                return None
            if delivery.endpoint.is_active:
                delivery.attempts += 1
                delivery.next_attempt_at = now + SEND_LEASE
                delivery.save(update_fields=["attempts", "next_attempt_at"])
                return delivery
            delivery.status, delivery.last_error = Status.FAILED, "The endpoint was disabled."
            delivery.save(update_fields=["status", "last_error"])


def _record(delivery: WebhookDelivery, result: sender.Attempt) -> None:
    """Stores the attempt's outcome, unless the lease ran out and another worker has claimed the
    delivery since (its outcome is the one that counts)."""
    now = clock.now()
    changes: dict[str, object] = {"last_status_code": result.status_code, "last_error": result.error[:2000]}
    if result.ok:
        changes.update(status=Status.SENT, sent_at=now)
    elif delivery.attempts >= MAX_ATTEMPTS:
        changes.update(status=Status.FAILED)
        logger.warning("webhook %s to %s failed for good: %s", delivery.event_id, delivery.endpoint.url, result.error)
    else:
        changes.update(next_attempt_at=now + retry_delay(delivery.attempts))
    WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts).update(**changes)


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 30 s, doubling, at most 6 h."""
    return min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)


def prune_deliveries(*, older_than: timedelta = KEEP_FINISHED) -> int:
    """Deletes sent and failed deliveries past their retention (the worker calls this)."""
    deleted, _ = WebhookDelivery.objects.filter(
        status__in=[Status.SENT, Status.FAILED], created_at__lt=clock.now() - older_than
    ).delete()
    return deleted


def prune_events(*, older_than: timedelta = EVENT_RETENTION) -> int:
    """Deletes stored events past their retention (the worker calls this)."""
    deleted, _ = Event.objects.filter(created_at__lt=clock.now() - older_than).delete()
    return deleted
