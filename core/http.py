"""HTTP mechanisms with no domain rules, used by the request pipeline (`core.middleware`): who
the client is, how a refusal is answered, what text may not pass, and a busy database."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import files
from core.errors import DomainError, NotFound, ValidationFailed

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
API_PREFIX = "/api/"
SIGNUP_PATHS = frozenset({"/api/v1/users", "/signup/"})
DOCUMENTS = ("/api/v1/openapi.json", "/api/v1/docs")  # the API's description, not its answers


PROBLEM_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def problem_response(*, status: int, code: str, title: str, detail: str, instance: str | None = None) -> HttpResponse:
    """An RFC 9457 problem+json answer, for refusals made before the API's own handlers run."""
    body = {
        "type": f"urn:parley:problem:{code}",
        "title": str(title),
        "status": status,
        "detail": str(detail),
        "code": code,
    }
    if instance is not None:
        body["instance"] = instance
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def refusal_response(request: HttpRequest, error: DomainError, *, title: str | None = None) -> HttpResponse:
    """`error` as problem+json under /api/, as the refusal page elsewhere."""
    if is_api(request):
        return problem_response(
            status=error.status,
            code=error.code,
            title=str(title or error.title),
            detail=str(error.detail),
            instance=request.path,
        )
    return render(request, "web/refused.html", {"error": error}, status=error.status)


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


NUL = "\x00"


MAX_JSON_DEPTH = 32  # no request of the API nests deeper than a few levels


class _TooDeep(Exception):
    pass


def _has_nul(value: Any) -> bool:
    """True when `value` (parsed JSON, or a string) holds U+0000 in any key or string. Walks
    without recursion and refuses (`_TooDeep`) what no request of ours nests so deep."""
    pending = [(value, 0)]  # (value, how many containers hold it)
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict | list):
            if depth >= MAX_JSON_DEPTH:
                raise _TooDeep
            children = [*item, *item.values()] if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return False


def _pairs_have_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in v for v in values) for key, values in pairs)


def nul_refusal(request: HttpRequest) -> DomainError | None:
    """Why a request carrying the NUL character (U+0000) is refused, or None. No person types it,
    PostgreSQL cannot store it in a text column, and letting it through would turn a typo'd or
    hostile request into a server error deep inside an action.

    Looks at the path, the query string, JSON bodies and form fields: the same parts of the
    request the idempotency fingerprint reads, in the same way (multipart through request.POST,
    so uploads are never read into memory twice)."""
    if NUL in request.path:
        return NotFound(_("Nothing is here: the address contains a NUL character."))
    detail = _("Text may not contain the NUL character (U+0000).")
    if _pairs_have_nul(request.GET.lists()):
        return ValidationFailed(detail)
    if request.method not in UNSAFE:
        return None
    content_type = request.content_type or ""
    try:
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            if _pairs_have_nul(request.POST.lists()):
                return ValidationFailed(detail)
            if content_type == "multipart/form-data":
                return None  # its raw body is gone once parsed, and the API reads it as a form
        if not request.body:
            return None
        # The API parses a JSON body whatever Content-Type the client sent (a form-encoded
        # one included), so look at every body but multipart as JSON too.
        try:
            parsed = json.loads(request.body)
        except RecursionError:
            return ValidationFailed(
                _("The JSON is nested more than %(depth)s levels deep.") % {"depth": MAX_JSON_DEPTH}
            )
        except ValueError:
            return None  # unreadable JSON is the parser's to refuse, with its own message
        return ValidationFailed(detail) if _has_nul(parsed) else None
    except _TooDeep:
        return ValidationFailed(_("The JSON is nested more than %(depth)s levels deep.") % {"depth": MAX_JSON_DEPTH})
    except (SuspiciousOperation, MultiPartParserError):
        return None  # too large, too many parts or malformed: refused later with the proper status


BUSY_RETRY_AFTER = 2  # seconds; a write waits up to the database timeout before it gives up


class DatabaseBusy(DomainError):
    status = 503
    default_code = "database_busy"
    title = gettext_lazy("Busy, please retry")


def database_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" / "busy": another writer held the single write
    lock for longer than the connection's timeout. Nothing was written; the client may retry."""
    from django.db import connection

    text = str(exc).lower()
    return connection.vendor == "sqlite" and ("locked" in text or "busy" in text)


def busy_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: problem+json under /api/, a page elsewhere."""
    detail = "The database is busy with other writes. Nothing was changed; please try again in a moment."
    response = refusal_response(request, DatabaseBusy(detail), title="Service busy")
    response["Retry-After"] = str(BUSY_RETRY_AFTER)
    return response


def prepare_uploads(request: HttpRequest) -> None:
    """Decodes, re-encodes and hashes every uploaded file of a write request now, before its
    transaction opens (see `core.files.prepare`). A body that cannot be parsed is left for the
    view to refuse with its proper status."""
    if not (request.content_type or "").startswith("multipart/"):
        return
    try:
        uploads = [upload for name in request.FILES for upload in request.FILES.getlist(name)]
    except (SuspiciousOperation, MultiPartParserError, OSError):
        return
    for upload in uploads:
        files.prepare(upload)
