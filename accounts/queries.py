from __future__ import annotations

from django.db.models import QuerySet

from accounts.actions import token_digest
from accounts.models import ApiToken, User
from core import clock


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(
            digest=token_digest(token),
            revoked_at__isnull=True,
            expires_at__gt=clock.system_now(),
            user__is_active=True,
        )
        .first()
    )
    return found.user if found else None


def staff_member(username: str) -> User | None:
    """The active staff member with this username, or None."""
    return User.objects.filter(username=username, is_staff=True, is_active=True).first()


def tokens_of(user: User) -> QuerySet[ApiToken]:
    """The user's API tokens, newest first (revoked and expired ones included, marked)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
