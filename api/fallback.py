"""Every answer under /api/ speaks problem+json, including the ones Django gives before the API
is reached (an unknown path, a method the path does not take, a request too large to parse)."""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse

from api.errors import CODES

JSON_TYPES = ("application/json", "application/problem+json")


class ProblemFallbackMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").split(";")[0].strip() in JSON_TYPES:
            return response
        status = response.status_code
        body = {
            "type": f"urn:parley:problem:{CODES.get(status, 'error')}",
            "title": HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
            "status": status,
            "detail": _detail(status),
            "code": CODES.get(status, "error"),
            "instance": request.path,
        }
        fallback = HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                fallback[header] = response[header]
        return fallback


def _detail(status: int) -> str:
    return {
        404: "There is no such API path. The operations are listed at /api/v1/docs.",
        405: "This path does not take that method; see the Allow header.",
        400: "The request could not be read.",
        413: "The request is too large.",
    }.get(status, "The request could not be handled.")
