"""What a marketplace's backend holds: API keys, and the one-time login links it hands its users."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core import limits
from core.ids import PublicIdField


class ApiKey(models.Model):
    """A credential of the marketplace's backend (`psk_…`). Only the SHA-256 digest of the
    secret is stored; the secret is shown once, when the key is created. `scopes` say what the
    key may do (see `integrations.scopes`)."""

    public_id = PublicIdField(prefix="key")
    name = models.CharField(max_length=limits.NAME)
    scopes = models.JSONField(default=list)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.public_id} ({self.name})"

    @property
    def label(self) -> dict[str, str]:
        """How audit events and payloads name the key."""
        return {"id": self.public_id, "name": self.name}


class LoginLink(models.Model):
    """A one-time URL that logs a user in on this site and goes to `next`. Only the digest of
    its token is stored."""

    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="login_links")
    next_path = models.CharField(max_length=limits.LOCAL_PATH)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"login link for {self.user_id} → {self.next_path}"
