"""HTTP mechanisms with no domain rules: who the client is, and how fast it may write."""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core import ratelimit
from core.errors import RateLimited

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGNUP_PATHS = frozenset({"/api/v1/users", "/signup/"})


def client_ip(request: HttpRequest) -> str:
    """The client's address. Behind `PARLEY_TRUSTED_PROXIES` proxies, read from X-Forwarded-For
    counting that many hops from the right (entries further left are the client's own claims)."""
    hops = settings.TRUSTED_PROXY_HOPS
    forwarded = request.headers.get("X-Forwarded-For", "")
    if hops > 0 and forwarded:
        parts = [p.strip() for p in forwarded.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops]
    return str(request.META.get("REMOTE_ADDR", ""))


def _writer(request: HttpRequest) -> str | None:
    from api.auth import api_user

    user = api_user(request) if request.path.startswith("/api/") else getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class WriteThrottleMiddleware:
    """Caps write requests per user (and sign-ups per address) so no one can script floods of
    messages, disputes, uploads or accounts. Reads are not limited. Counts are written outside
    the request's transaction, so a refused request still counts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in UNSAFE:
            try:
                self._count(request)
            except RateLimited as exc:
                return self._refuse(request, exc)
        return self.get_response(request)

    def _count(self, request: HttpRequest) -> None:
        if request.path in SIGNUP_PATHS:
            limit, window = settings.SIGNUP_RATE_LIMIT
            ident = client_ip(request)
            ratelimit.guard("signup", ident, limit=limit, window=window)
            ratelimit.count("signup", ident, window=window)
            return
        writer = _writer(request)
        if writer is not None:
            limit, window = settings.WRITE_RATE_LIMIT
            ratelimit.guard("write", writer, limit=limit, window=window)
            ratelimit.count("write", writer, window=window)

    def _refuse(self, request: HttpRequest, exc: RateLimited) -> HttpResponse:
        if request.path.startswith("/api/"):
            body = {
                "type": "urn:parley:problem:rate_limited",
                "title": "Too many requests",
                "status": 429,
                "detail": exc.detail,
                "code": exc.code,
                "instance": request.path,
            }
            response = HttpResponse(json.dumps(body), status=429, content_type="application/problem+json")
        else:
            response = render(request, "web/refused.html", {"error": exc}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response

