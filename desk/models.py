"""Canned replies: texts the administration keeps for answers it gives often, with variables
filled in from the case or ticket they are used on (`desk.canned`)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models

from core import limits
from core.ids import PublicIdField

MAX_TITLE = limits.TITLE
MAX_BODY = limits.LONG_TEXT


class CannedReply(models.Model):
    public_id = PublicIdField(prefix="cnr")
    title = models.CharField(max_length=MAX_TITLE, unique=True)
    body = models.TextField(max_length=MAX_BODY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["title", "id"]

    def __str__(self) -> str:
        return self.title
