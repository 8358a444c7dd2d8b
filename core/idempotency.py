"""Remembered answers to API POSTs sent with `Idempotency-Key` (the `IdempotencyKey` rows of
`core.models`): how a request is fingerprinted, looked up, replayed, recorded and pruned. The
middleware that uses them (`core.middleware.TransactionalWritesMiddleware`) says when.

Keys are remembered for 24 hours of real time (`clock.system_now()`), not of the test clock:
moving the test clock a day ahead must not turn a retry into a second payment."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import connection
from django.http import HttpRequest, HttpResponse

from core import clock
from core.http import problem_response
from core.lookups import by_unique_key
from core.models import IdempotencyKey

if TYPE_CHECKING:
    from accounts.models import User

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
TITLE = "Idempotency-Key problem"


def problem(status: int, code: str, detail: str) -> HttpResponse:
    return problem_response(status=status, code=code, title=TITLE, detail=detail)


def fingerprint(request: HttpRequest) -> str:
    """A digest of what makes two requests the same request: method, path, type and body."""
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


def stored(user: User, key: str, fingerprint: str) -> HttpResponse | None:
    """The remembered answer to replay, a 422 when the key was used for another request, or
    None when the key is free."""
    record = by_unique_key(
        IdempotencyKey.objects.filter(owner=user, key=key, created_at__gte=clock.system_now() - RETENTION)
    )
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        return problem(
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


def remember(user: User, key: str, fingerprint: str, response: HttpResponse) -> bool:
    """Records `response` as the answer to `key` in one statement, in the caller's transaction;
    False when a live row holds the key. Only an expired row may give way (it is overwritten): a
    live one belongs to a request that committed after our look in `stored`, and the unique index
    refuses us then, without an error (and so without a savepoint to roll back to)."""
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


def prune(*, older_than: timedelta = RETENTION) -> int:
    """Deletes remembered responses past their retention (the worker calls this)."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=clock.system_now() - older_than).delete()
    return deleted
