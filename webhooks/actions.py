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
import random
import re
import secrets
import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import User
from core import audit, clock, lease, requestid
from core.actors import Actor, SystemActor
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.ids import new_public_id
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
DISABLE_AFTER = timedelta(days=3)  # PRODUCT.md §10: failing every try for 3 days disables an endpoint
ROTATION_OVERLAP = timedelta(hours=24)  # the old secret keeps signing this long after a rotation
MAX_FILTERS = 30
EVENT_FILTER = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.?")
Status = WebhookDelivery.Status


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def create_endpoint(*, by: Actor, url: str, description: str = "", events: Sequence[str] = ()) -> WebhookEndpoint:
    """Registers an endpoint (staff, or an API key acting as the system) with a fresh secret,
    which the caller shows once. Refuses a URL that is not https or whose host is not public
    (checked again at every send)."""
    _require_manager(by)
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
            created_by=None if isinstance(by, SystemActor) else by,
            created_at=clock.now(),
        )
        audit.record("webhook.created", subject=endpoint, by=by, role=_role(by), data={"url": url, "events": filters})
    return endpoint


def disable_endpoint(*, endpoint_id: int, by: Actor) -> WebhookEndpoint:
    """Stops all traffic to the endpoint (staff or a key): nothing new is queued for it and what
    was still pending fails with the reason. Disabling a disabled endpoint changes nothing."""
    _require_manager(by)
    return _disable(endpoint_id, by=by, role=_role(by))


def _disable(endpoint_id: int, *, by: Actor, role: str) -> WebhookEndpoint:
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id).first()
        if endpoint is None:
            raise NotFound(gettext("No such webhook endpoint."))
        if not endpoint.is_active:
            return endpoint
        endpoint.is_active = False
        endpoint.disabled_at = clock.now()
        endpoint.save(update_fields=["is_active", "disabled_at"])
        dropped = endpoint.deliveries.filter(status=Status.PENDING).update(
            status=Status.FAILED, last_error="The endpoint was disabled."
        )
        audit.record("webhook.disabled", subject=endpoint, by=by, role=role, data={"pending_dropped": dropped})
    return endpoint


def clean_filters(events: Sequence[str]) -> list[str]:
    """Event codes or families ("order.", "dispute.resolved"), without repeats, in order."""
    cleaned = list(dict.fromkeys(e.strip().lower() for e in events))
    if len(cleaned) > MAX_FILTERS:
        raise ValidationFailed(
            gettext("At most %(MAX_FILTERS)s event filters.") % {"MAX_FILTERS": MAX_FILTERS},
            fields={"events": ["too many"]},
        )
    bad = [e for e in cleaned if len(e) > 64 or not EVENT_FILTER.fullmatch(e)]
    if bad:
        raise ValidationFailed(
            gettext("Not an event code or family: %(join)s. Use codes like order.delivered, or order. for all.")
            % {"join": ", ".join(bad)},
            fields={"events": [f"Not an event code or family: {e} (order.delivered, or order. for all)" for e in bad]},
        )
    return cleaned


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden(gettext("Only the administration manages webhooks."))


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
        with requestid.bound(delivery.request_id):
            try:
                result = sender.post(
                    url=delivery.endpoint.url,
                    secret=delivery.endpoint.signing_secrets(now=clock.now()),
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
    """The earliest due delivery no other worker holds, its attempt counted (the claim's token)
    and leased on the database's clock, in one short transaction. Deliveries of an endpoint
    disabled meanwhile fail here instead."""
    while True:
        with transaction.atomic():
            now = clock.now()
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("endpoint")
                .filter(status=Status.PENDING, next_attempt_at__lte=now)
                .filter(lease.free())
                .exclude(endpoint_id__in=skip_endpoints)
                .order_by("next_attempt_at", "id")
                .first()
            )
            if delivery is None:
                return None
            if delivery.endpoint.is_active:
                delivery.attempts += 1
                # Moved ahead too, so a worker of the release before this one leaves it alone.
                delivery.next_attempt_at = now + SEND_LEASE
                WebhookDelivery.objects.filter(pk=delivery.pk).update(
                    attempts=delivery.attempts,
                    next_attempt_at=delivery.next_attempt_at,
                    leased_until=lease.until(SEND_LEASE),
                )
                return delivery
            delivery.status, delivery.last_error = Status.FAILED, "The endpoint was disabled."
            delivery.save(update_fields=["status", "last_error"])


def _record(delivery: WebhookDelivery, result: sender.Attempt) -> None:
    """Stores the attempt's outcome, unless the lease ran out and another worker has claimed the
    delivery since (its outcome is the one that counts)."""
    now = clock.now()
    changes: dict[str, object] = {
        "last_status_code": result.status_code,
        "last_error": result.error[:2000],
        "leased_until": None,
    }
    if result.ok:
        changes.update(status=Status.SENT, sent_at=now)
    elif delivery.attempts >= MAX_ATTEMPTS:
        changes.update(status=Status.FAILED)
        logger.warning("webhook %s to %s failed for good: %s", delivery.event_id, delivery.endpoint.url, result.error)
    else:
        changes.update(next_attempt_at=now + jittered(retry_delay(delivery.attempts)))
    mine = WebhookDelivery.objects.filter(pk=delivery.pk, status=Status.PENDING, attempts=delivery.attempts)
    if not mine.update(**changes):
        logger.warning(
            "webhook %s: attempt %s finished after its lease; its result is dropped", delivery.pk, delivery.attempts
        )
        return  # nor does it count for the endpoint's health: the newer claim's result will
    _track_health(delivery.endpoint_id, ok=result.ok, now=now)


def jittered(delay: timedelta) -> timedelta:
    """`delay` stretched by up to `WEBHOOK_RETRY_JITTER` of itself, at random, so the retries of
    many deliveries that failed together (an endpoint's outage) do not all come back at once."""
    spread = settings.WEBHOOK_RETRY_JITTER
    return delay * (1 + random.uniform(0, spread)) if spread > 0 else delay  # noqa: S311 (timing, not secrecy)


def _track_health(endpoint_id: int, *, ok: bool, now: datetime) -> None:
    """A success clears the endpoint's failing streak; a failure starts one, and an endpoint
    that has failed every try for `DISABLE_AFTER` is disabled and staff are told."""
    if ok:
        WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=False).update(failing_since=None)
        return
    WebhookEndpoint.objects.filter(pk=endpoint_id, failing_since__isnull=True).update(failing_since=now)
    failing_for_long = WebhookEndpoint.objects.filter(
        pk=endpoint_id, is_active=True, failing_since__lte=now - DISABLE_AFTER
    ).exists()
    if failing_for_long:
        disable_failing(endpoint_id=endpoint_id)


def disable_failing(*, endpoint_id: int) -> WebhookEndpoint:
    """Disables an endpoint that has failed every try for `DISABLE_AFTER` and tells staff."""
    from notifications.actions import notify

    with transaction.atomic():
        endpoint = _disable(endpoint_id, by=SystemActor(rule="webhook_failing"), role="system")
        staff = User.objects.filter(is_staff=True, is_active=True)
        notify(
            users=staff,
            code="webhook.disabled",
            link=reverse("web:staff_webhook", args=[endpoint.public_id]),
            title=lambda: (
                gettext("Webhook %(public_id)s was disabled after %(days)s days of failures")
                % {"public_id": endpoint.public_id, "days": DISABLE_AFTER.days}
            ),
            body=lambda: (
                gettext(
                    "Every try to %(url)s failed since %(failing_since)s UTC. Fix the receiver, then "
                    "register it again; missed events are in GET /api/v1/events."
                )
                % {"url": endpoint.url, "failing_since": f"{endpoint.failing_since:%Y-%m-%d %H:%M}"}
            ),
        )
    return endpoint


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


def rotate_secret(*, endpoint: WebhookEndpoint, by: Actor) -> WebhookEndpoint:
    """Gives the endpoint a new secret (the caller shows it once); the old one keeps signing
    beside it for `ROTATION_OVERLAP`, so the receiver can switch without missing a beat."""
    _require_manager(by)
    with transaction.atomic():
        locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        locked.previous_secret = locked.secret
        locked.previous_secret_until = clock.now() + ROTATION_OVERLAP
        locked.secret = new_secret()
        locked.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
        audit.record("webhook.secret_rotated", subject=locked, by=by, role=_role(by))
    return locked


def send_test(*, endpoint: WebhookEndpoint, by: Actor) -> WebhookDelivery:
    """Queues a `webhook.test` event for this endpoint alone, due now (the worker sends it)."""
    _require_manager(by)
    if not endpoint.is_active:
        raise Conflict(gettext("This endpoint is disabled."), code="not_allowed_in_state")
    from webhooks.fanout import rfc3339

    now = clock.now()
    event_id = new_public_id("evt")
    payload = {
        "id": event_id,
        "type": "webhook.test",
        "created_at": rfc3339(now),
        "data": {"webhook_id": endpoint.public_id},
    }
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint,
            event_id=event_id,
            event_code="webhook.test",
            payload=payload,
            next_attempt_at=now,
            created_at=now,
        )
        audit.record("webhook.tested", subject=endpoint, by=by, role=_role(by), data={"event_id": event_id})
    return delivery


def retry_delivery(*, endpoint: WebhookEndpoint, event_id: str, by: Actor) -> WebhookDelivery:
    """One more try of one delivery, due now, whatever became of it (a sent one is sent again,
    under the same `webhook-id`). 409 when the endpoint is disabled."""
    _require_manager(by)
    if not endpoint.is_active:
        raise Conflict(gettext("This endpoint is disabled."), code="not_allowed_in_state")
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().filter(endpoint=endpoint, event_id=event_id).first()
        if delivery is None:
            raise NotFound(gettext("No such delivery for this endpoint."))
        if delivery.status == Status.PENDING and lease.held(delivery.leased_until):
            # A second, simultaneous send would also reuse the attempt number the first holds.
            raise Conflict(
                gettext("This delivery is being sent right now; look again in a moment."), code="not_allowed_in_state"
            )
        delivery.status = Status.PENDING
        delivery.next_attempt_at, delivery.leased_until = clock.now(), None
        delivery.attempts = min(delivery.attempts, MAX_ATTEMPTS - 1)  # room for this one more try
        delivery.save(update_fields=["status", "next_attempt_at", "leased_until", "attempts"])
        audit.record("webhook.delivery_retried", subject=endpoint, by=by, role=_role(by), data={"event_id": event_id})
    return delivery


def _require_manager(by: Actor) -> None:
    """Staff, or an API key (which acts as the system; its scope was checked by the API)."""
    if not isinstance(by, SystemActor):
        _require_staff(by)


def _role(by: Actor) -> str:
    return "system" if isinstance(by, SystemActor) else "staff"
