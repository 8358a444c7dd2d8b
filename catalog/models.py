from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import limits
from core.ids import PublicIdField
from core.money import Money


class Listing(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        SERVICE = "service", _("Service")

    public_id = PublicIdField(prefix="lst")
    # The marketplace's own references (integrations.metadata: at most 20 short keys).
    metadata = models.JSONField(default=dict, blank=True)
    seller = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=limits.TITLE)
    description = models.TextField(max_length=limits.LONG_TEXT)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    price_amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    is_active = models.BooleanField(default=True)
    # How long after completion the buyer may still dispute for a `warranty_reasons` reason
    # (the proceeds stay held that long); None: no warranty. At most the policy's max_warranty.
    warranty = models.DurationField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(price_amount__gt=0), name="listing_price_positive"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["is_active", "id"], name="listing_active"),
            models.Index(fields=["seller", "id"], name="listing_seller"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)
