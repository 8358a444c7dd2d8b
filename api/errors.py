"""Refusals as RFC 9457 problem details (`application/problem+json`), mapped once."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, RawPostDataException
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from core.errors import DomainError, Forbidden, RateLimited, StrOrPromise
from core.http import PROBLEM_CODES, busy_response, database_busy

logger = logging.getLogger("parley.api")

# Titles and details are in the caller's language (the user's choice, else Accept-Language);
# `code` and `type` stay English: they are what programs compare.
TITLES = {
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Authentication is required"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    409: gettext_lazy("Not possible in the current state"),
    413: gettext_lazy("Too large"),
    422: gettext_lazy("The input is not valid"),
    429: gettext_lazy("Too many requests"),
    500: gettext_lazy("Internal error"),
}
CODES = PROBLEM_CODES


def problem(
    api: NinjaAPI,
    request: HttpRequest,
    *,
    status: int,
    code: str,
    detail: StrOrPromise,
    title: StrOrPromise | None = None,
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": f"urn:parley:problem:{code}",
        "title": str(title or TITLES.get(status, _("Error"))),
        "status": status,
        "detail": str(detail),
        "code": code,
        "instance": request.path,
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


def _validation_errors(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for error in errors:
        loc = [str(p) for p in error.get("loc", [])]
        # ninja prefixes the location with where the value came from (body, query, path).
        out.append({"field": ".".join(loc[1:] if len(loc) > 1 else loc), "message": error.get("msg", "")})
    return out


def _staff_without_second_factor(request: HttpRequest) -> bool:
    from api.auth import api_caller

    return api_caller(request).staff_without_second_factor


def install(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        if exc.status == 403 and _staff_without_second_factor(request):
            exc = Forbidden(
                "Staff rights need a token issued with a second factor: POST /auth/token with "
                "username, password and otp (a code of your authenticator app or a recovery code).",
                code="second_factor_required",
            )
        response = problem(
            api,
            request,
            status=exc.status,
            code=exc.code,
            detail=exc.detail,
            title=exc.title,
            available_at=exc.available_at,
            errors=[{"field": f, "message": m} for f, ms in exc.fields.items() for m in ms] or None,
            **exc.extra,
        )
        if isinstance(exc, RateLimited):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return problem(
            api,
            request,
            status=422,
            code="validation_error",
            detail=_("The request does not match the schema; see errors."),
            errors=_validation_errors(list(exc.errors)),
        )

    @api.exception_handler(AuthenticationError)
    def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = problem(
            api,
            request,
            status=401,
            code="not_authenticated",
            detail=_("Send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token."),
        )
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(api, request, status=404, code="not_found", detail=_("Nothing is here."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        status = exc.status_code
        return problem(api, request, status=status, code=CODES.get(status, "error"), detail=str(exc))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return problem(api, request, status=413, code="too_large", detail=_("The request body is too large."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Too many fields or files, a malformed multipart body...: the client's fault, not ours.
        return problem(api, request, status=400, code="bad_request", detail=_("The request is malformed or too large."))

    @api.exception_handler(RawPostDataException)
    def not_json(request: HttpRequest, exc: RawPostDataException) -> HttpResponse:
        # A multipart body sent to an endpoint that reads JSON: the middleware parsed it as a
        # form first (multipart is read as a stream, once), so the raw body is gone.
        return problem(
            api,
            request,
            status=400,
            code="bad_request",
            detail=_("This endpoint takes a JSON body (Content-Type: application/json)."),
        )

    @api.exception_handler(PermissionDenied)
    def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return problem(api, request, status=403, code="forbidden", detail=_("Not allowed."))

    @api.exception_handler(OperationalError)
    def database_error(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        if database_busy(exc):  # SQLite's one write lock stayed taken past the timeout: retry
            return busy_response(request)
        return unexpected(request, exc)

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return problem(
            api,
            request,
            status=500,
            code="internal_error",
            detail=_(
                "Something went wrong on our side and nothing was changed. The error was logged; please try again."
            ),
        )
