from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from core import limits
from core.ids import PublicIdField


class Message(models.Model):
    """A chat message. The order chat and the dispute chat of the same order are two channels;
    both are part of the case file."""

    class Channel(models.TextChoices):
        ORDER = "order", "Order chat"
        DISPUTE = "dispute", "Dispute chat"

    public_id = PublicIdField(prefix="msg")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="messages")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    author_role = models.CharField(max_length=16)  # buyer, seller, staff or system
    body = models.TextField(max_length=limits.LONG_TEXT)
    flags = models.JSONField(default=list, blank=True)
    # Why each flag was raised: [{"flag", "kind", "detail", "reason"}] (`chat.flags.Finding`), so
    # the reminder both sides see can say what kind of contact it was.
    flag_details = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["order", "channel", "id"], name="message_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.author_role}: {self.body[:40]}"

    @property
    def flag_reasons(self) -> list[str]:
        """What the off-platform reminder names: "an e-mail address", "a messenger contact (Telegram)"."""
        return [str(d.get("reason", "")) for d in self.flag_details if d.get("reason")]

    @property
    def audit_case_id(self) -> int:
        return self.order_id


class ReadMark(models.Model):
    """How far a user has read a chat, for unread counts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE)
    channel = models.CharField(max_length=16)
    last_read_id = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["user", "order", "channel"], name="readmark_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.channel} of {self.order_id} to {self.last_read_id}"
