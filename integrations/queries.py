"""Reads of keys, provisioned users and login links."""

from __future__ import annotations

import hashlib
import hmac

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import NotFound
from integrations.models import ApiKey

SECRET_PREFIX = "psk_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_for_secret(secret: str) -> ApiKey | None:
    """The unrevoked key whose secret this is, or None. The lookup is by the secret's digest (an
    index probe reveals nothing of the secret); the final comparison is in constant time."""
    if not secret.startswith(SECRET_PREFIX):
        return None
    wanted = digest(secret)
    key = ApiKey.objects.filter(digest=wanted, revoked_at__isnull=True).select_related("created_by").first()
    if key is None or not hmac.compare_digest(key.digest, wanted):
        return None
    return key


def keys() -> QuerySet[ApiKey]:
    return ApiKey.objects.order_by("-created_at", "-id")


def get_key(public_id: str) -> ApiKey:
    key = ApiKey.objects.filter(public_id=public_id).first()
    if key is None:
        raise NotFound(_("No such API key."))
    return key


def get_user(public_id: str) -> User:
    user = User.objects.filter(public_id=public_id).first()
    if user is None:
        raise NotFound(_("No such user."))
    return user


def user_by_external_id(external_id: str) -> User | None:
    return User.objects.filter(external_id=external_id).first()
