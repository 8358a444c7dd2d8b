"""Ties an API request to its key: the key's last use is stamped, and every audit event the
request writes names the key (`core.audit.via_key`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from core import audit


class ApiKeyContext:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        from api.auth import api_caller
        from integrations.actions import touch

        caller = api_caller(request)
        if caller.key is None and _presents_a_key(request):
            return _unknown_key(request)  # on every endpoint, public ones too: never a silent fallback
        if caller.key is None or caller.refusal is not None:
            return self.get_response(request)
        touch(key=caller.key)
        with audit.via_key(caller.key.label):
            return self.get_response(request)


def _presents_a_key(request: HttpRequest) -> bool:
    from integrations.queries import SECRET_PREFIX

    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token.strip().startswith(SECRET_PREFIX)


def _unknown_key(request: HttpRequest) -> HttpResponse:
    """401 for a key that is unknown, revoked or malformed, without saying which."""
    from api.errors import problem
    from api.main import api

    response = problem(
        api, request, status=401, code="not_authenticated", detail="The API key is not valid.", title="Unauthorized"
    )
    response["WWW-Authenticate"] = "Bearer"
    return response
