from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import Forbidden


def caller(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def require_staff(request: HttpRequest) -> User:
    user = caller(request)
    if not user.is_staff:
        raise Forbidden(_("Only the administration can do this."))
    return user
