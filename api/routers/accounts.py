from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from accounts import actions, preferences, queries, twofactor
from accounts.models import ApiToken, User
from api.auth import api_key, key_or_staff
from api.routers import integrations
from api.schemas import ERRORS, MoneyOut
from core import limits
from core.errors import NotAuthenticated
from core.http import client_ip
from integrations import scopes
from ledger import queries as ledger_queries

router = Router(tags=["accounts"])


class SignUpIn(Schema):
    username: str = Field(min_length=1, max_length=limits.USERNAME)
    password: str = Field(min_length=1, max_length=limits.PASSWORD)
    email: str = Field(min_length=3, max_length=limits.EMAIL)


class UserOut(Schema):
    id: str
    username: str
    email: str
    is_staff: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.public_id, username=user.username, email=user.email, is_staff=user.is_staff)


class MeOut(UserOut):
    balances: list[MoneyOut]
    language: str  # "" until the user picks one (the Accept-Language header decides meanwhile)
    time_zone: str  # an IANA name, "" for none (times in UTC)
    optional_email: bool  # whether the chat digest is mailed


class MePatch(Schema):
    language: str | None = Field(default=None, max_length=8)
    time_zone: str | None = Field(default=None, max_length=64)
    optional_email: bool | None = None


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=limits.USERNAME)
    password: str = Field(min_length=1, max_length=limits.PASSWORD)
    # A code of the user's authenticator app, or a recovery code: required once the user has a
    # second factor, and what gives a staff member's token staff rights.
    otp: str | None = Field(default=None, min_length=1, max_length=40)


class TokenOut(Schema):
    token: str


@router.post("/users", response={201: UserOut | integrations.UserRecord, **ERRORS}, auth=None)
def sign_up(
    request: HttpRequest, payload: SignUpIn | integrations.ProvisionIn
) -> Status[UserOut | integrations.UserRecord]:
    """Anyone signs up with a username and password; an API key provisions a user instead."""
    if isinstance(payload, integrations.ProvisionIn) or api_key(request) is not None:
        return Status(201, integrations.provision(request, payload))
    user = actions.sign_up(username=payload.username, password=payload.password, email=payload.email)
    return Status(201, UserOut.of(user))


# Reading users is the integrations' (a key's or staff's); it shares the path with sign-up.
router.get(
    "/users",
    response={200: integrations.UserPage, **ERRORS},
    auth=key_or_staff(scopes.USERS),
    operation_id="list_users",
)(integrations.find_users)


@router.post("/auth/token", response={200: TokenOut, **ERRORS}, auth=None)
def token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    user = actions.check_login(username=payload.username, password=payload.password, client=client_ip(request))
    second_factor = False
    if twofactor.has_factor(user):
        if payload.otp is None:
            raise NotAuthenticated(
                "This account has a second factor: send otp (a code of the authenticator app or a recovery code).",
                code="second_factor_required",
            )
        twofactor.verify(user=user, code=payload.otp)
        second_factor = True
    return TokenOut(token=actions.issue_token(user=user, label="api", second_factor=second_factor))


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    return _me(request.auth)  # type: ignore[attr-defined]


@router.patch("/me", response={200: MeOut, **ERRORS})
def update_me(request: HttpRequest, payload: MePatch) -> MeOut:
    """Sets the caller's language (`en`, `ru`; "" for the Accept-Language header), time zone (an
    IANA name; "" for UTC) and whether optional mail reaches them. Omitted fields stay."""
    user = preferences.set_preferences(
        user=request.auth,  # type: ignore[attr-defined]
        language=payload.language,
        time_zone=payload.time_zone,
        optional_email=payload.optional_email,
    )
    return _me(user)


def _me(user: User) -> MeOut:
    return MeOut(
        **UserOut.of(user).model_dump(),
        balances=[MoneyOut.of(m) for m in ledger_queries.wallet_balances(user)],
        language=user.language,
        time_zone=user.time_zone,
        optional_email=user.optional_email,
    )


class ApiTokenOut(Schema):
    id: str
    label: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenOut:
        return cls(
            id=token.public_id,
            label=token.label,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
        )


class ApiTokenPage(Schema):
    items: list[ApiTokenOut]


@router.get("/auth/tokens", response={200: ApiTokenPage, **ERRORS})
def list_tokens(request: HttpRequest) -> ApiTokenPage:
    """The caller's API tokens (never the secret: only its first characters), newest first."""
    user = request.auth  # type: ignore[attr-defined]
    return ApiTokenPage(items=[ApiTokenOut.of(t) for t in queries.tokens_of(user)[:200]])


@router.post("/auth/tokens/{token_id}/revoke", response={200: ApiTokenOut, **ERRORS})
def revoke_token(request: HttpRequest, token_id: str) -> ApiTokenOut:
    """Revokes one of the caller's tokens: it answers 401 from then on."""
    user = request.auth  # type: ignore[attr-defined]
    return ApiTokenOut.of(actions.revoke_token(token_id=token_id, by=user))
