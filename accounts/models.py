from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower

from core import limits
from core.ids import PublicIdField


class User(AbstractUser):
    """A person. Buyer in one order, seller in another; `is_staff` makes them an administrator."""

    public_id = PublicIdField(prefix="usr")
    # Set for users a marketplace's backend provisioned with an API key (they have no password).
    external_id = models.CharField(max_length=limits.EXTERNAL_ID, unique=True, null=True, blank=True)
    display_name = models.CharField(max_length=limits.DISPLAY_NAME, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # The person's own choices (core/locale.py): "" means none made, so the browser's
    # Accept-Language decides the language and times show in UTC.
    language = models.CharField(max_length=8, blank=True, default="")
    time_zone = models.CharField(max_length=64, blank=True, default="")
    # Optional mail (the chat digest) can be switched off from a link in every such e-mail.
    optional_email = models.BooleanField(default=True)

    class Meta(AbstractUser.Meta):
        constraints = [
            # "race" and "RACE" are one name: racing sign-ups may not create both.
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 digest is stored; the token itself is shown
    once, when it is issued. It stops working at `expires_at` (real time) or once revoked."""

    public_id = PublicIdField(prefix="tok")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12)
    label = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
