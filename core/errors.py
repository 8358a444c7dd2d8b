"""One hierarchy of refusals. Each carries a stable machine-readable `code`.

The API maps them to RFC 9457 problem details (`api/errors.py`), the web UI to form errors and
flash messages; nothing else decides how a refusal looks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

StrOrPromise = str | Promise


class DomainError(Exception):
    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"
    title: ClassVar[StrOrPromise] = gettext_lazy("The request cannot be carried out")

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        available_at: datetime | None = None,
        fields: dict[str, list[str]] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code or self.default_code
        self.available_at = available_at
        self.fields = fields or {}
        self.extra = extra


class ValidationFailed(DomainError):
    status = 422
    default_code = "validation_error"
    title = gettext_lazy("The input is not valid")


class NotAuthenticated(DomainError):
    status = 401
    default_code = "not_authenticated"
    title = gettext_lazy("Authentication is required")


class Forbidden(DomainError):
    status = 403
    default_code = "forbidden"
    title = gettext_lazy("Not allowed")


class NotFound(DomainError):
    status = 404
    default_code = "not_found"
    title = gettext_lazy("Not found")


class Conflict(DomainError):
    """The request is well formed but the current state does not allow it (409)."""

    status = 409
    default_code = "conflict"
    title = gettext_lazy("Not possible in the current state")


class NotAllowedInState(Conflict):
    default_code = "not_allowed_in_state"


class RateLimited(DomainError):
    status = 429
    default_code = "rate_limited"
    title = gettext_lazy("Too many requests")

    def __init__(self, detail: str, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.retry_after = retry_after
