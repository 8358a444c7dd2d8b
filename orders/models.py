from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import limits
from core.ids import PublicIdField
from core.money import Money
from policy.models import PolicyVersion
from policy.schema import Policy


class Order(models.Model):
    class Status(models.TextChoices):
        PAID = "paid", _("Paid")
        DELIVERED = "delivered", _("Delivered")
        COMPLETED = "completed", _("Completed")
        DISPUTED = "disputed", _("Disputed")
        REFUNDED = "refunded", _("Refunded")
        PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")
        CANCELLED = "cancelled", _("Cancelled")

    public_id = PublicIdField(prefix="ord")
    # The marketplace's own references (integrations.metadata: at most 20 short keys).
    metadata = models.JSONField(default=dict, blank=True)
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales")
    listing = models.ForeignKey("catalog.Listing", on_delete=models.PROTECT, related_name="orders")
    # What the buyer saw when buying: title, description, kind and price, so "not as described"
    # is judged against it even if the listing changes later.
    listing_snapshot = models.JSONField()
    kind = models.CharField(max_length=16)
    currency = models.CharField(max_length=3)
    price_amount = models.BigIntegerField()
    fee_amount = models.BigIntegerField()
    # The rules that bind this order: the policy version in force when it was placed.
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT)
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.PAID)
    placed_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)  # when the order ended, whichever way
    delivery_note = models.TextField(blank=True, max_length=limits.LONG_TEXT)
    # The listing's warranty, copied at purchase: after completion the proceeds stay held this
    # long and the buyer may still dispute for a `warranty_reasons` reason.
    warranty = models.DurationField(null=True, blank=True)

    OPEN_STATUSES: ClassVar[frozenset[str]] = frozenset({"paid", "delivered", "disputed"})

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(condition=models.Q(price_amount__gt=0), name="order_price_positive"),
            models.CheckConstraint(condition=models.Q(fee_amount__gte=0), name="order_fee_not_negative"),
            models.CheckConstraint(condition=~models.Q(buyer=models.F("seller")), name="order_not_self_dealing"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["buyer", "id"], name="order_buyer"),
            models.Index(fields=["seller", "id"], name="order_seller"),
            models.Index(fields=["status", "id"], name="order_status"),
            # A person's orders in one status (the list's ?status=), newest first, at any size.
            models.Index(fields=["buyer", "status", "id"], name="order_buyer_status"),
            models.Index(fields=["seller", "status", "id"], name="order_seller_status"),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def audit_case_id(self) -> int:
        return self.pk

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    @property
    def fee(self) -> Money:
        return Money(self.fee_amount, self.currency)

    @property
    def total(self) -> Money:
        return self.price + self.fee

    @property
    def policy(self) -> Policy:
        return self.policy_version.policy

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES
