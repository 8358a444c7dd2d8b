"""Where events go (endpoints that staff register) and what is owed to them (the outbox)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from core import limits, requestid
from core.ids import PublicIdField

MAX_URL = 2000


class WebhookEndpoint(models.Model):
    """A URL of the marketplace's backend that receives signed events.

    `secret` is the shared HMAC key (`whsec_<base64>`, as Standard Webhooks serialises it). The
    server needs it in clear to sign, so it is kept in the row; the API shows it once, when the
    endpoint is created, and never again. `event_filter` lists event codes or families
    ("order.", "dispute.resolved"); empty means every event."""

    public_id = PublicIdField(prefix="whk")
    url = models.CharField(max_length=MAX_URL)
    description = models.CharField(max_length=limits.LINE, blank=True)
    secret = models.CharField(max_length=100)
    event_filter = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    # None when an API key registered it (the audit trail names the key).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    disabled_at = models.DateTimeField(null=True, blank=True)
    # After a rotation the old secret signs beside the new one until `previous_secret_until`.
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    # The first failed try since the last success; 3 days of nothing but failures disables it.
    failing_since = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.public_id} → {self.url}"

    def signing_secrets(self, *, now: Any) -> list[str]:
        """The secrets every POST is signed with: the current one, and the previous one for 24 h
        after a rotation (Standard Webhooks allows several `v1,` signatures)."""
        keep_old = self.previous_secret and self.previous_secret_until and now < self.previous_secret_until
        return [self.secret, self.previous_secret] if keep_old else [self.secret]


class WebhookDelivery(models.Model):
    """One event owed to one endpoint: written in the transaction of the change it reports, sent
    by the worker, retried with back-off until a 2xx answer or the attempt cap.

    `event_id` is the `webhook-id` header: the same on every retry (receivers deduplicate on
    it) and the same for every endpoint that receives the event."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event_id = models.CharField(max_length=32)
    event_code = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)  # also the claim's token: a stale result is dropped
    next_attempt_at = models.DateTimeField()  # on Parley's clock (the test clock moves retries)
    # While a worker sends it: until when it is left to that worker, on the wall clock (see
    # notifications.models.OutboundEmail.leased_until).
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The request that queued this work, so the worker logs under the same id (core.requestid).
    request_id = models.CharField(max_length=64, blank=True, default=requestid.current)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_per_endpoint"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["next_attempt_at", "id"], name="webhook_delivery_due", condition=models.Q(status="pending")
            ),
            models.Index(fields=["endpoint", "id"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event_code} {self.event_id} → {self.endpoint_id} ({self.status})"


class Event(models.Model):
    """An event as webhooks deliver it (`payload` is the body), kept whether or not any endpoint
    wants it, so a backend that missed a delivery can read it back from `GET /events`. Written
    in the transaction of the change it reports; pruned after `EVENT_RETENTION`."""

    public_id = models.CharField(max_length=32, unique=True)
    code = models.CharField(max_length=64)
    subject_id = models.CharField(max_length=32, blank=True)  # the subject's public id
    order_id = models.CharField(max_length=32, blank=True)  # the order it concerns, if any
    payload = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["subject_id", "id"], name="webhook_event_subject"),
            models.Index(fields=["order_id", "id"], name="webhook_event_order"),
            models.Index(fields=["created_at"], name="webhook_event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.public_id}"
