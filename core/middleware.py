"""The request pipeline, every middleware of it in one place, in the order `MIDDLEWARE` lists:

1. `RequestIdMiddleware`: one id per request on every log line, one `request` line and metric;
2. `ProblemFallbackMiddleware`: every answer under /api/ speaks problem+json;
3. `OneClockReadingMiddleware`: one test-clock reading per request;
4. `NulCharacterGuard`: no U+0000 reaches a view;
5. `ApiKeyContext`: an API request is tied to its key (last use, audit events);
6. `WriteThrottleMiddleware`: writes per user, key and address are capped;
7. `TransactionalWritesMiddleware`: one transaction per write, `Idempotency-Key` replays;
8. `DomainErrorPages`: a refusal reaching the top of a web view becomes a page.

Core knows no layer above it. Who the caller of an API request is, whether a key is being
used and where request metrics go are told to it by the apps that know (`connect()`, called
from their `AppConfig.ready`): `api` resolves callers, `integrations` stamps keys, `ops`
counts requests."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

import structlog
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import OperationalError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from core import audit, clock, idempotency, locale, ratelimit, requestid
from core.errors import DomainError, RateLimited
from core.http import (
    DOCUMENTS,
    PROBLEM_CODES,
    SIGNUP_PATHS,
    UNSAFE,
    busy_response,
    client_ip,
    database_busy,
    is_api,
    nul_refusal,
    prepare_uploads,
    problem_response,
    refusal_response,
)

Handler = Callable[[HttpRequest], HttpResponse]
logger = logging.getLogger("parley.request")


class Caller(Protocol):
    """Who an API request comes from, as the API resolves it (`api.auth.Caller`)."""

    @property
    def user(self) -> Any: ...
    @property
    def key(self) -> Any: ...
    @property
    def refusal(self) -> DomainError | None: ...


@dataclass(frozen=True, slots=True)
class _Nobody:
    user: Any = None
    key: Any = None
    refusal: DomainError | None = None


@dataclass(slots=True)
class _Connections:
    api_caller: Callable[[HttpRequest], Caller] = lambda request: _Nobody()
    key_presented: Callable[[HttpRequest], bool] = lambda request: False
    key_used: Callable[[Any], None] = lambda key: None
    request_observers: list[Callable[..., None]] = field(default_factory=list)


_connected = _Connections()


def connect(
    *,
    api_caller: Callable[[HttpRequest], Caller] | None = None,
    key_presented: Callable[[HttpRequest], bool] | None = None,
    key_used: Callable[[Any], None] | None = None,
    observe_request: Callable[..., None] | None = None,
) -> None:
    """Tells the pipeline what only the layers above core know (called once, from `ready()`)."""
    if api_caller is not None:
        _connected.api_caller = api_caller
    if key_presented is not None:
        _connected.key_presented = key_presented
    if key_used is not None:
        _connected.key_used = key_used
    if observe_request is not None and observe_request not in _connected.request_observers:
        _connected.request_observers.append(observe_request)


def api_caller(request: HttpRequest) -> Caller:
    return _connected.api_caller(request)


class _Middleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response


class RequestIdMiddleware(_Middleware):
    """Takes the caller's `X-Request-Id` when sane or makes one, binds it to the logging context
    and answers it (`core.requestid`); logs one `request` line per answer and reports it."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = requestid.accepted(request.headers.get(requestid.HEADER)) or requestid.new_id()
        request.request_id = request_id  # type: ignore[attr-defined]
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        if settings.SENTRY_ENABLED:
            import sentry_sdk

            sentry_sdk.set_tag("request_id", request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            response[requestid.HEADER] = request_id
            route = requestid.route_of(request)
            for observe in _connected.request_observers:
                observe(method=request.method or "", route=route, status=response.status_code, seconds=elapsed)
            logger.info(
                "request",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "route": route,
                    "status": response.status_code,
                    "ms": round(elapsed * 1000, 1),
                },
            )
            return response
        finally:
            structlog.contextvars.clear_contextvars()


JSON_TYPES = ("application/json", "application/problem+json")
FALLBACK_DETAILS = {
    404: "There is no such API path. The operations are listed at /api/v1/docs.",
    405: "This path does not take that method; see the Allow header.",
    400: "The request could not be read.",
    413: "The request is too large.",
}


class ProblemFallbackMiddleware(_Middleware):
    """Every answer under /api/ speaks problem+json, including the ones Django gives before the
    API is reached (an unknown path, a method the path does not take, a request too large)."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").split(";")[0].strip() in JSON_TYPES:
            return response
        status = response.status_code
        fallback = problem_response(
            status=status,
            code=PROBLEM_CODES.get(status, "error"),
            title=HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error",
            detail=FALLBACK_DETAILS.get(status, "The request could not be handled."),
            instance=request.path,
        )
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                fallback[header] = response[header]
        return fallback


class OneClockReadingMiddleware(_Middleware):
    """Each request reads the test clock once (see `core.clock.one_reading`)."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with clock.one_reading():
            return self.get_response(request)


class NulCharacterGuard(_Middleware):
    """Refuses text carrying the NUL character (U+0000) before any view sees it
    (`core.http.nul_refusal`)."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refusal = nul_refusal(request)
        if refusal is None:
            return self.get_response(request)
        return refusal_response(request, refusal)


class ApiKeyContext(_Middleware):
    """Ties an API request to its key: the key's last use is stamped, and every audit event the
    request writes names the key (`core.audit.via_key`). A key that is unknown, revoked or
    malformed is refused on every endpoint, public ones too: never a silent fallback."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        caller = api_caller(request)
        if caller.key is None and _connected.key_presented(request):
            response = problem_response(
                status=401,
                code="not_authenticated",
                title="Unauthorized",
                detail="The API key is not valid.",
                instance=request.path,
            )
            response["WWW-Authenticate"] = "Bearer"
            return response
        if caller.key is None or caller.refusal is not None:
            return self.get_response(request)
        _connected.key_used(caller.key)
        with audit.via_key(caller.key.label):
            return self.get_response(request)


Limit = tuple[str, str, tuple[int, int], bool]


class UserLocale(_Middleware):
    """After authentication: a signed-in user's own language and time zone replace what the
    browser asked for (LocaleMiddleware); a user without a choice keeps the browser's language
    and UTC. The API does the same for bearer callers (api/auth.py)."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        timezone.deactivate()
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            locale.activate_for(user)
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        timezone.deactivate()
        return response


class WriteThrottleMiddleware(_Middleware):
    """Caps write requests per user and per API key (and sign-ups per address) so no one can
    script floods of messages, disputes, uploads or accounts. Reads are not limited, but every
    API answer says what is left (`RateLimit-Limit`, `-Remaining`, `-Reset`). A key has its own
    budget and is never held to the sign-up limit of its address. Counts are written outside
    the request's transaction, so a refused request still counts."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        budget: ratelimit.Budget | None
        try:
            budget = self._budget(request)
        except RateLimited as exc:
            response = refusal_response(request, exc)
            response["Retry-After"] = str(exc.retry_after)
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
        if not writing and (not is_api(request) or request.path.startswith(DOCUMENTS)):
            return None
        budgets = []
        for scope, ident, (limit, window), counted in self._limits(request):
            measure = ratelimit.hit if writing and counted else ratelimit.peek
            budgets.append(measure(scope, ident, limit=limit, window=window))
        return min(budgets, key=lambda b: (b.remaining, -b.reset)) if budgets else None

    def _limits(self, request: HttpRequest) -> list[Limit]:
        """(scope, who, (limit, window), whether a write counts) of every limit that applies. An
        anonymous caller is shown the sign-up budget of its address, which only sign-ups use."""
        user, key = _user_and_key(request)
        limits: list[Limit] = []
        if key is not None:
            limits.append(("key", f"key:{key.pk}", settings.KEY_RATE_LIMIT, True))
        elif request.path in SIGNUP_PATHS or user is None:
            return [("signup", client_ip(request), settings.SIGNUP_RATE_LIMIT, request.path in SIGNUP_PATHS)]
        if user is not None:
            limits.append(("write", f"user:{user.pk}", settings.WRITE_RATE_LIMIT, True))
        return limits


def _user_and_key(request: HttpRequest) -> tuple[Any, Any]:
    """The request's (user, API key): for the API from its bearer, for pages from the session."""
    if is_api(request):
        found = api_caller(request)
        return found.user, found.key
    user = getattr(request, "user", None)
    return (user if user is not None and user.is_authenticated else None), None


NEVER_REMEMBERED = frozenset({"/api/v1/auth/token", "/api/v1/users"})
OWN_TRANSACTIONS = frozenset({"/api/v1/test-clock/advance", "/test-clock/advance/"})


class TransactionalWritesMiddleware(_Middleware):
    """Every write request runs in one database transaction, and `Idempotency-Key` for API POSTs.

    Any POST, PUT, PATCH or DELETE (web or API) runs inside one transaction; if it ends in a
    server error (5xx) the transaction is rolled back, so a crash half-way can never leave half a
    change behind. A refusal (4xx) commits whatever the request legitimately recorded on the way
    (failed log-in counters, for instance); the action that refused has already undone its own work.

    An API POST with an `Idempotency-Key` header runs in that same transaction together with the
    row that remembers its response (`core.idempotency`), so either both commit or neither does:
    - a retry with the same key (same caller) replays the first response and does nothing again;
    - the same key with a different request is refused with 422 `idempotency_key_reused`;
    - a refused request (any non-2xx answer) is not remembered, so the key stays free;
    - two requests racing with one key: the database's unique index lets one commit, the other
      is rolled back and answers with the winner's response.
    Anonymous calls have no owner to scope a key to, and log-in or sign-up answers are never
    stored (they would keep a token in clear text), so the header is ignored for them.

    A few operations run their own transactions and are left alone (`OWN_TRANSACTIONS`): moving the
    test clock applies each deadline in its own transaction, as the worker does."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in UNSAFE or request.path in OWN_TRANSACTIONS:
            return self.get_response(request)
        prepare_uploads(request)
        try:
            return self._write(request)
        except OperationalError as exc:
            if not database_busy(exc):
                raise
            return busy_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A web view that met a busy database: 503 with Retry-After (the API maps its own)."""
        if isinstance(exception, OperationalError) and database_busy(exception):
            return busy_response(request)
        return None

    def _write(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(idempotency.HEADER)
        if request.method != "POST" or key is None or not is_api(request) or request.path in NEVER_REMEMBERED:
            return self._atomic(request)
        return self._idempotent(request, key)

    def _atomic(self, request: HttpRequest) -> HttpResponse:
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
        return response

    def _idempotent(self, request: HttpRequest, key: str) -> HttpResponse:
        key = key.strip()
        if not key or len(key) > idempotency.MAX_KEY_LENGTH:
            return idempotency.problem(
                422, "validation_error", f"{idempotency.HEADER} must be 1 to {idempotency.MAX_KEY_LENGTH} characters."
            )
        user = api_caller(request).user
        if user is None:
            return self._atomic(request)
        try:
            fingerprint = idempotency.fingerprint(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return idempotency.problem(413, "too_large", "The request body is too large or has too many parts.")
        if (earlier := idempotency.stored(user, key, fingerprint)) is not None:
            return earlier
        lost_race = False
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            if not 200 <= response.status_code < 300:
                return response
            if not idempotency.remember(user, key, fingerprint, response):
                transaction.set_rollback(True)
                lost_race = True
        if lost_race:
            return idempotency.stored(user, key, fingerprint) or idempotency.problem(
                409, "idempotency_key_in_use", "A request with this Idempotency-Key is in progress."
            )
        return response


class DomainErrorPages(_Middleware):
    """A refusal that reaches the top of a web view becomes a page with the right status (404,
    403, 409...), never a server error."""

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_api(request) or not isinstance(exception, DomainError):
            return None
        return render(request, "web/refused.html", {"error": exception}, status=exception.status)
