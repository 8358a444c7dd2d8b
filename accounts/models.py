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
    # When the person proved they read mail at `email` (a signed link); None until then. A change
    # of address clears it. Provisioned users' addresses are the marketplace's word, set on creation.
    email_verified_at = models.DateTimeField(null=True, blank=True)

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
    # Issued after a second factor (TOTP or recovery code) was checked: only such a token of a
    # staff member acts with staff rights (`api.auth`).
    second_factor = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class SecondFactor(models.Model):
    """A user's authenticator (TOTP, RFC 6238): `secret` is in force once `confirmed_at` is set;
    `pending_secret` is one being enrolled, until a first code from it is checked (the old one
    stays in force meanwhile). `last_step` is the time step of the last code accepted: a code
    is never accepted twice, nor one from an earlier step."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="second_factor")
    secret = models.CharField(max_length=64, blank=True)
    pending_secret = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"TOTP of {self.user}"


class RecoveryCode(models.Model):
    """One of a user's ten single-use recovery codes; only its SHA-256 digest is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    digest = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "digest"], name="accounts_recovery_code_unique")]

    def __str__(self) -> str:
        return f"recovery code of {self.user}"
