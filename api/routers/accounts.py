from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from accounts import actions
from accounts.models import User
from api.auth import api_key, key_or_staff
from api.routers import integrations
from api.schemas import ERRORS, MoneyOut
from core.http import client_ip
from integrations import scopes
from ledger import queries as ledger_queries

router = Router(tags=["accounts"])


class SignUpIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)
    email: str = Field(min_length=3, max_length=254)


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


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=200)


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
    return TokenOut(token=actions.issue_token(user=user, label="api"))


@router.get("/me", response={200: MeOut, **ERRORS})
def me(request: HttpRequest) -> MeOut:
    user = request.auth  # type: ignore[attr-defined]
    return MeOut(
        **UserOut.of(user).model_dump(),
        balances=[MoneyOut.of(m) for m in ledger_queries.wallet_balances(user)],
    )
