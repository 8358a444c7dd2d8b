"""API authentication: `Authorization: Bearer <token>`. Sessions are for the web UI only, so
no API call can ride on a browser's cookie (no CSRF exposure).

Two kinds of bearer: a user's token (`pk_…`, from `POST /auth/token`) and a marketplace's API
key (`psk_…`). A key alone reaches only the endpoints marked *key* (`key_only`,
`key_or_staff`); with `Parley-On-Behalf-Of: usr_…` it acts as that user with exactly that
user's permissions (`bearer`), as its scopes allow (`integrations.scopes`). A user's token
never reaches the *key* endpoints, nor can it act on behalf of anyone.

A staff member's token carries staff rights only if it was issued after a second factor
(`POST /auth/token` with `otp`): any other staff token acts as an ordinary user, and what
only staff may do answers 403 `second_factor_required`. A key with scope `staff` acting on
behalf of staff is the marketplace's credential and is not affected."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext
from ninja.security import HttpBearer

from accounts.models import User
from accounts.queries import live_token
from core import locale
from core.errors import DomainError, Forbidden, NotFound
from core.lookups import by_unique_key
from integrations import scopes
from integrations.models import ApiKey
from integrations.queries import SECRET_PREFIX, key_for_secret

ON_BEHALF_OF = "Parley-On-Behalf-Of"
PUBLIC_ID = re.compile(r"usr_[0-9a-z]{1,28}")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a request comes from. `user` is whom it acts as (None for a key alone); `refusal`
    says why credentials that were recognised cannot be used."""

    user: User | None = None
    key: ApiKey | None = None
    refusal: DomainError | None = None
    # A staff member's token issued without a second factor: it acts without staff rights.
    staff_without_second_factor: bool = False


def api_caller(request: HttpRequest) -> Caller:
    """The request's credentials, looked up once per request."""
    if not hasattr(request, "_parley_caller"):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        caller = _resolve(request, token) if scheme.lower() == "bearer" and token else Caller()
        request._parley_caller = caller  # type: ignore[attr-defined]
        if caller.user is not None:  # titles and details in the caller's language (codes stay English)
            locale.activate_for(caller.user)
    return request._parley_caller  # type: ignore[attr-defined]


def _resolve(request: HttpRequest, token: str) -> Caller:
    on_behalf = request.headers.get(ON_BEHALF_OF, "").strip()
    if not token.startswith(SECRET_PREFIX):
        found = live_token(token)
        user = found.user if found else None
        if user is not None and on_behalf:
            return Caller(
                refusal=Forbidden(
                    gettext("Only an API key may send %(ON_BEHALF_OF)s.") % {"ON_BEHALF_OF": ON_BEHALF_OF}
                )
            )
        if (
            found is not None
            and user is not None
            and user.is_staff
            and not found.second_factor
            and settings.STAFF_SECOND_FACTOR
        ):
            # This request's copy of the user only: every staff check sees an ordinary user.
            user.is_staff = False
            return Caller(user=user, staff_without_second_factor=True)
        return Caller(user=user)
    key = key_for_secret(token)
    if key is None or not on_behalf:
        return Caller(key=key)
    if scopes.ACT not in key.scopes:
        return Caller(key=key, refusal=Forbidden(gettext("This API key may not act on behalf of users.")))
    # Only something shaped like a public id reaches the database (no NUL, no 10 kB header).
    user = by_unique_key(User.objects.filter(public_id=on_behalf)) if PUBLIC_ID.fullmatch(on_behalf) else None
    if user is None:
        return Caller(
            key=key,
            refusal=NotFound(
                gettext("No user %(value)s (%(ON_BEHALF_OF)s).")
                % {"value": f"{on_behalf[:40]!r}", "ON_BEHALF_OF": ON_BEHALF_OF}
            ),
        )
    if not user.is_active:
        return Caller(key=key, refusal=Forbidden(gettext("This user is suspended.")))
    if user.is_staff and scopes.STAFF not in key.scopes:
        return Caller(
            key=key, refusal=Forbidden(gettext("This API key may not act on behalf of staff (scope 'staff')."))
        )
    return Caller(user=user, key=key)


def presents_key(request: HttpRequest) -> bool:
    """True when the request's bearer is shaped like an API key, known or not."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and token.strip().startswith(SECRET_PREFIX)


def api_user(request: HttpRequest) -> User | None:
    """The user the request acts as: a token's owner, or the user a key acts on behalf of."""
    return api_caller(request).user


def api_key(request: HttpRequest) -> ApiKey | None:
    """The API key the request came with, if any (with or without a user)."""
    return api_caller(request).key


class UserToken(HttpBearer):
    """A user: their own token, or a key acting on their behalf."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        caller = api_caller(request)
        if caller.refusal is not None:
            raise caller.refusal
        if caller.user is None and caller.key is not None:
            raise Forbidden(
                gettext(
                    "An API key alone reaches only the integration endpoints; send %(ON_BEHALF_OF)s: "
                    "usr_… to act as a user."
                )
                % {"ON_BEHALF_OF": ON_BEHALF_OF}
            )
        if caller.user is not None:
            request.user = caller.user
        return caller.user


class ApiKeyAuth(HttpBearer):
    """A key alone, with `scope`; or (`staff_too`) a staff member's token."""

    def __init__(self, scope: str, *, staff_too: bool) -> None:
        super().__init__()
        self.scope = scope
        self.staff_too = staff_too

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | User | None:
        caller = api_caller(request)
        if caller.refusal is not None:
            raise caller.refusal
        if caller.key is not None and caller.user is None:
            if self.scope not in caller.key.scopes:
                raise Forbidden(gettext("This API key lacks the scope %(scope)s.") % {"scope": f"{self.scope!r}"})
            return caller.key
        if caller.user is None:
            return None
        if self.staff_too and caller.user.is_staff:
            request.user = caller.user
            return caller.user
        raise Forbidden("Only an API key (without a user)" + (" or staff" if self.staff_too else "") + " may do this.")


bearer = UserToken()


def key_only(scope: str) -> ApiKeyAuth:
    return ApiKeyAuth(scope, staff_too=False)


def key_or_staff(scope: str) -> ApiKeyAuth:
    return ApiKeyAuth(scope, staff_too=True)
