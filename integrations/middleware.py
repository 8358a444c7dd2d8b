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
        if caller.key is None or caller.refusal is not None:
            return self.get_response(request)
        touch(key=caller.key)
        with audit.via_key(caller.key.label):
            return self.get_response(request)
