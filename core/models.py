"""Mechanism tables shared by every domain: the test clock, the audit trail, deadlines and
idempotency records. None of them knows a business rule."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models

from core import requestid


class TestClock(models.Model):
    """The single row behind `core.clock.now()` when the test clock is on."""

    offset_us = models.BigIntegerField(default=0)
    frozen_at = models.DateTimeField(null=True, blank=True)

    # Not a pytest test class, whatever its name says.
    __test__ = False

    def __str__(self) -> str:
        return f"frozen at {self.frozen_at}" if self.frozen_at else f"offset {self.offset_us} µs"

    @classmethod
    def current(cls, *, for_update: bool = False) -> TestClock:
        qs = cls.objects.select_for_update() if for_update else cls.objects
        state = qs.filter(pk=1).first()
        if state is None:
            state, _ = cls.objects.get_or_create(pk=1)
        return state


class AuditEvent(models.Model):
    """One change of state: who did it (a person, or the system and the rule that fired), to
    what, and the facts worth keeping. A case's timeline is a query over these rows."""

    class ActorRole(models.TextChoices):
        BUYER = "buyer"
        SELLER = "seller"
        STAFF = "staff"
        USER = "user"
        SYSTEM = "system"

    created_at = models.DateTimeField(db_index=True)
    code = models.CharField(max_length=64)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    actor_role = models.CharField(max_length=16, choices=ActorRole.choices)
    rule = models.CharField(max_length=64, blank=True)
    subject_type = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    case_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["subject_type", "subject_id", "id"], name="audit_subject"),
            models.Index(fields=["case_id", "id"], name="audit_case"),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.subject_type} {self.subject_id}"


class Deadline(models.Model):
    """A timer stored with its case. The worker applies it once through the domain action
    registered for `kind` (see `core.deadlines`)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"  # the action ran and changed the case
        MOOT = "moot"  # the case had moved on; nothing to do
        CANCELLED = "cancelled"  # withdrawn by a domain action before it fell due
        FAILED = "failed"  # kept failing; an operator must look

    kind = models.CharField(max_length=64)
    due_at = models.DateTimeField()
    subject_type = models.CharField(max_length=32)
    subject_id = models.BigIntegerField()
    case_id = models.BigIntegerField(null=True, blank=True)
    party = models.CharField(max_length=16, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # The request that queued this work, so the worker logs under the same id (core.requestid).
    request_id = models.CharField(max_length=64, blank=True, default=requestid.current)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(
                fields=["due_at", "id"],
                name="deadline_due_pending",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["subject_type", "subject_id", "status"], name="deadline_subject"),
            models.Index(fields=["case_id", "status"], name="deadline_case"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} at {self.due_at:%Y-%m-%d %H:%M} ({self.status})"


class IdempotencyKey(models.Model):
    """The first response to a POST made with an `Idempotency-Key`, replayed to every retry.

    The row is written in the same transaction as the request's effect, so a request that
    rolled back leaves no key behind and may be retried."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_key_unique_per_owner"),
        ]

    def __str__(self) -> str:
        return self.key


class RateCounter(models.Model):
    """One fixed window of one rate limit (`core.ratelimit`): incremented and read back in one
    atomic statement, so concurrent requests in any process can never pass the limit together."""

    bucket = models.CharField(max_length=120, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.bucket}: {self.count}"
