from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from core import limits, requestid
from core.ids import PublicIdField


class Notification(models.Model):
    """Something a user should know: shown in the app, and sent by e-mail through the outbox."""

    public_id = PublicIdField(prefix="ntf")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    code = models.CharField(max_length=64)
    title = models.CharField(max_length=limits.LINE)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "id"], name="notification_user"),
            models.Index(fields=["user"], name="notification_unread", condition=models.Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.title


class OutboundEmail(models.Model):
    """An e-mail waiting to be sent by the worker. Written in the same transaction as the event
    it reports, so it is never lost and never sent for something that rolled back."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    notification = models.ForeignKey(Notification, null=True, blank=True, on_delete=models.SET_NULL)
    to = models.EmailField()
    subject = models.CharField(max_length=200)
    body = models.TextField()  # the plain-text part
    html_body = models.TextField(blank=True)  # the HTML part ("" for mail queued before it existed)
    # "<user id>:<case path>" for a chat digest: messages join the one not yet sent (notifications/mail.py).
    digest_key = models.CharField(max_length=120, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()  # on Parley's clock (the test clock moves retries)
    # While a worker sends it: until when it is left to that worker, on the wall clock, so moving
    # the test clock never hands an e-mail in flight to a second worker.
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The request that queued this work, so the worker logs under the same id (core.requestid).
    request_id = models.CharField(max_length=64, blank=True, default=requestid.current)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["next_attempt_at", "id"], name="email_pending", condition=models.Q(status="pending")),
            models.Index(fields=["digest_key"], name="email_digest", condition=~models.Q(digest_key="")),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
