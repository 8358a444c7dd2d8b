from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


def me(request: HttpRequest) -> User:
    """The logged-in user of a view behind `login_required`."""
    user = request.user
    assert isinstance(user, User), "me() is for views behind login_required"
    return user
