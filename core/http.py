"""HTTP mechanisms with no domain rules: who the client is, and how fast it may write."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import files, ratelimit
from core.errors import DomainError, NotFound, RateLimited, ValidationFailed

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SIGNUP_PATHS = frozenset({"/api/v1/users", "/signup/"})
DOCUMENTS = ("/api/v1/openapi.json", "/api/v1/docs")  # the API's description, not its answers


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


def _caller(request: HttpRequest) -> tuple[Any, Any]:
    """The request's (user, API key): for the API from its bearer, for pages from the session."""
    if request.path.startswith("/api/"):
        from api.auth import api_caller

        found = api_caller(request)
        return found.user, found.key
    user = getattr(request, "user", None)
    return (user if user is not None and user.is_authenticated else None), None


class WriteThrottleMiddleware:
    """Caps write requests per user and per API key (and sign-ups per address) so no one can
    script floods of messages, disputes, uploads or accounts. Reads are not limited, but every
    API answer says what is left (`RateLimit-Limit`, `-Remaining`, `-Reset`). A key has its own
    budget and is never held to the sign-up limit of its address. Counts are written outside
    the request's transaction, so a refused request still counts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        budget: ratelimit.Budget | None
        try:
            budget = self._budget(request)
        except RateLimited as exc:
            response = self._refuse(request, exc)
            budget = getattr(exc, "budget", None)
        except OperationalError as exc:  # the counters live in the database
            if not database_busy(exc):
                raise
            return busy_response(request)
        else:
            response = self.get_response(request)
        if budget is not None:
            response["RateLimit-Limit"] = str(budget.limit)
            response["RateLimit-Remaining"] = str(budget.remaining)
            response["RateLimit-Reset"] = str(budget.reset)
        return response

    def _budget(self, request: HttpRequest) -> ratelimit.Budget | None:
        """Counts a write against every limit that applies (reads only look), and answers the
        tightest budget; None for pages that are only read."""
        writing = request.method in UNSAFE
        if not writing and (not request.path.startswith("/api/") or request.path.startswith(DOCUMENTS)):
            return None
        budgets = []
        for scope, ident, (limit, window), counted in self._limits(request):
            measure = ratelimit.hit if writing and counted else ratelimit.peek
            budgets.append(measure(scope, ident, limit=limit, window=window))
        return min(budgets, key=lambda b: (b.remaining, -b.reset)) if budgets else None

    def _limits(self, request: HttpRequest) -> list[tuple[str, str, tuple[int, int], bool]]:
        """(scope, who, (limit, window), whether a write counts) of every limit that applies. An
        anonymous caller is shown the sign-up budget of its address, which only sign-ups use."""
        user, key = _caller(request)
        limits = []
        if key is not None:
            limits.append(("key", f"key:{key.pk}", settings.KEY_RATE_LIMIT, True))
        elif request.path in SIGNUP_PATHS or user is None:
            return [("signup", client_ip(request), settings.SIGNUP_RATE_LIMIT, request.path in SIGNUP_PATHS)]
        if user is not None:
            limits.append(("write", f"user:{user.pk}", settings.WRITE_RATE_LIMIT, True))
        return limits

    def _refuse(self, request: HttpRequest, exc: RateLimited) -> HttpResponse:
        if request.path.startswith("/api/"):
            body = {
                "type": "urn:parley:problem:rate_limited",
                "title": _("Too many requests"),
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


class NulCharacterGuard:
    """Refuses text carrying the NUL character (U+0000) before any view sees it. No person
    types it, PostgreSQL cannot store it in a text column, and letting it through would turn
    a typo'd or hostile request into a server error deep inside an action.

    Looks at the path, the query string, JSON bodies and form fields: the same parts of the
    request the idempotency middleware reads, in the same way (multipart through request.POST,
    so uploads are never read into memory twice)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = self._refusal(request)
        if refusal is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            body = {
                "type": f"urn:parley:problem:{refusal.code}",
                "title": str(refusal.title),
                "status": refusal.status,
                "detail": refusal.detail,
                "code": refusal.code,
                "instance": request.path,
            }
            return HttpResponse(json.dumps(body), status=refusal.status, content_type="application/problem+json")
        return render(request, "web/refused.html", {"error": refusal}, status=refusal.status)

    def _refusal(self, request: HttpRequest) -> DomainError | None:
        if NUL in request.path:
            return NotFound(_("Nothing is here: the address contains a NUL character."))
        detail = "Text may not contain the NUL character (U+0000)."
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
                    _("The JSON is nested more than %(MAX_JSON_DEPTH)s levels deep.")
                    % {"MAX_JSON_DEPTH": MAX_JSON_DEPTH}
                )
            except ValueError:
                return None  # unreadable JSON is the parser's to refuse, with its own message
            return ValidationFailed(detail) if _has_nul(parsed) else None
        except _TooDeep:
            return ValidationFailed(
                _("The JSON is nested more than %(MAX_JSON_DEPTH)s levels deep.") % {"MAX_JSON_DEPTH": MAX_JSON_DEPTH}
            )
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
    if request.path.startswith("/api/"):
        body = {
            "type": "urn:parley:problem:database_busy",
            "title": "Service busy",
            "status": 503,
            "detail": detail,
            "code": "database_busy",
            "instance": request.path,
        }
        response = HttpResponse(json.dumps(body), status=503, content_type="application/problem+json")
    else:
        response = render(request, "web/refused.html", {"error": DatabaseBusy(detail)}, status=503)
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
