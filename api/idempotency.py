"""Every write request runs in one database transaction, and `Idempotency-Key` for API POSTs.

Any POST, PUT, PATCH or DELETE (web or API) runs inside one transaction; if it ends in a
server error (5xx) the transaction is rolled back, so a crash half-way can never leave half a
change behind. A refusal (4xx) commits whatever the request legitimately recorded on the way
(failed log-in counters, for instance); the action that refused has already undone its own work.

An API POST with an `Idempotency-Key` header runs in that same transaction together with the
row that remembers its response, so either both commit or neither does:
- a retry with the same key (same caller) replays the first response and does nothing again;
- the same key with a different request is refused with 422 `idempotency_key_reused`;
- a refused request (any non-2xx answer) is not remembered, so the key stays free;
- two requests racing with one key: the database's unique index lets one commit, the other
  is rolled back and answers with the winner's response.
Anonymous calls have no owner to scope a key to, and log-in or sign-up answers are never
stored (they would keep a token in clear text), so the header is ignored for them.

Keys are remembered for 24 hours of real time (`clock.system_now()`), not of the test clock:
moving the test clock a day ahead must not turn a retry into a second payment.

A few operations run their own transactions and are left alone (`OWN_TRANSACTIONS`): moving the
test clock applies each deadline in its own transaction, as the worker does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from api.auth import api_user
from core import clock
from core.http import busy_response, database_busy, prepare_uploads
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)


def _problem(status: int, code: str, detail: str) -> HttpResponse:
    body = {
        "type": f"urn:parley:problem:{code}",
        "title": "Idempotency-Key problem",
        "status": status,
        "detail": detail,
        "code": code,
    }
    return HttpResponse(json.dumps(body), status=status, content_type="application/problem+json")


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    for part in (request.method or "", request.get_full_path(), request.content_type or ""):
        digest.update(part.encode() + b"\0")
    if (request.content_type or "").startswith("multipart/"):
        # Reading request.body would refuse large uploads; hash the parsed parts instead.
        for name, value in sorted(request.POST.lists()):
            digest.update(f"{name}={value}".encode() + b"\0")
        # By field name, and within one name in the order sent (files themselves do not compare).
        for name, upload in ((n, f) for n in sorted(request.FILES) for f in request.FILES.getlist(n)):
            digest.update(f"{name}:{upload.name}:{upload.size}".encode())
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _stored(user: User, key: str, fingerprint: str) -> HttpResponse | None:
    record = IdempotencyKey.objects.filter(owner=user, key=key, created_at__gte=clock.system_now() - RETENTION).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        return _problem(
            422,
            "idempotency_key_reused",
            "This Idempotency-Key was used for a different request. Use a new key.",
        )
    return _replay(record)


_REMEMBER = """
    INSERT INTO core_idempotencykey (owner_id, "key", fingerprint, status_code, content_type, body, created_at)
    VALUES (%s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (owner_id, "key") DO UPDATE SET
        fingerprint = excluded.fingerprint, status_code = excluded.status_code,
        content_type = excluded.content_type, body = excluded.body, created_at = excluded.created_at
    WHERE core_idempotencykey.created_at < %s
    RETURNING id
"""


def _remember(user: User, key: str, fingerprint: str, response: HttpResponse) -> bool:
    """Stores the response under the key in one statement; False when a live row holds the key.

    Only an expired row may give way (it is overwritten). A live one belongs to a request that
    committed after our check in `_stored`: the unique index refuses us then, without an error
    (and so without a savepoint to roll back to)."""
    now = clock.system_now()
    adapt = connection.ops.adapt_datetimefield_value
    params = (
        user.pk,
        key,
        fingerprint,
        response.status_code,
        response.get("Content-Type", "application/json"),
        response.content,
        adapt(now),
        adapt(now - RETENTION),
    )
    with connection.cursor() as cursor:
        cursor.execute(_REMEMBER, params)
        return cursor.fetchone() is not None


UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
NEVER_REMEMBERED = frozenset({"/api/v1/auth/token", "/api/v1/users"})
OWN_TRANSACTIONS = frozenset({"/api/v1/test-clock/advance", "/test-clock/advance/"})


class TransactionalWritesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

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
        key = request.headers.get(HEADER)
        if (
            request.method != "POST"
            or key is None
            or not request.path.startswith("/api/")
            or request.path in NEVER_REMEMBERED
        ):
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
        if not key or len(key) > MAX_KEY_LENGTH:
            return _problem(422, "validation_error", f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters.")
        user = api_user(request)
        if user is None:
            return self._atomic(request)
        try:
            fingerprint = _fingerprint(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            return _problem(413, "too_large", "The request body is too large or has too many parts.")
        if (earlier := _stored(user, key, fingerprint)) is not None:
            return earlier
        lost_race = False
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            if not 200 <= response.status_code < 300:
                return response
            if not _remember(user, key, fingerprint, response):
                transaction.set_rollback(True)
                lost_race = True
        if lost_race:
            return _stored(user, key, fingerprint) or _problem(
                409, "idempotency_key_in_use", "A request with this Idempotency-Key is in progress."
            )
        return response


def prune(*, older_than: timedelta = RETENTION) -> int:
    """Deletes remembered responses past their retention (the worker calls this)."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=clock.system_now() - older_than).delete()
    return deleted
