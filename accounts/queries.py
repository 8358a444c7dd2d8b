from __future__ import annotations

from accounts.actions import token_digest
from accounts.models import ApiToken, User


def user_for_token(token: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    found = (
        ApiToken.objects.select_related("user")
        .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return found.user if found else None


def staff_member(username: str) -> User | None:
    """The active staff member with this username, or None."""
    return User.objects.filter(username=username, is_staff=True, is_active=True).first()
