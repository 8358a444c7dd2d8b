"""API authentication: `Authorization: Bearer <token>`. Sessions are for the web UI only, so
no API call can ride on a browser's cookie (no CSRF exposure)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from accounts.models import User
from accounts.queries import user_for_token


def api_user(request: HttpRequest) -> User | None:
    """The user behind the request's bearer token, looked up once per request."""
    if not hasattr(request, "_parley_api_user"):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        request._parley_api_user = user  # type: ignore[attr-defined]
    return request._parley_api_user  # type: ignore[attr-defined]


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_user(request)
        if user is not None:
            request.user = user
        return user


bearer = BearerToken()
