"""What Parley remembers of its dealings with the payment provider: each deposit (so a
chargeback can name it) and each withdrawal (a two-phase transfer: requested, then answered)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from core.ids import PublicIdField
from core.money import Money


class Deposit(models.Model):
    class Status(models.TextChoices):
        SETTLED = "settled"
        CHARGED_BACK = "charged_back"

    public_id = PublicIdField(prefix="dep")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deposits")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=32)
    reference = models.CharField(max_length=100)
    transaction = models.OneToOneField("ledger.Transaction", on_delete=models.PROTECT, related_name="deposit")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SETTLED)
    created_at = models.DateTimeField()
    charged_back_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_deposit_positive"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class Withdrawal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        FAILED = "failed"

    public_id = PublicIdField(prefix="wdr")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="withdrawals")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    provider = models.CharField(max_length=32)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    provider_reference = models.CharField(max_length=100, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payments_withdrawal_positive"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["user", "id"], name="withdrawal_user"),
            models.Index(fields=["status", "id"], name="withdrawal_status"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class SandboxPayout(models.Model):
    """The sandbox provider's own memory: its answer to each payout instruction, so asking it
    again about the same withdrawal gives the same answer (as a real provider's idempotency
    keys do), and the switch its test helper sets to fail the next one."""

    reference = models.CharField(max_length=40, unique=True)  # the withdrawal's public id; "" row: the switch
    outcome = models.CharField(max_length=8)
    created_at = models.DateTimeField()

    FAIL_NEXT = "#fail-next"

    def __str__(self) -> str:
        return f"{self.reference}: {self.outcome}"
