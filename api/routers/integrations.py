"""What a marketplace's backend uses: API keys (staff make them), provisioned users and their
login links (a key alone)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from pydantic import Field

from accounts.models import User
from api.auth import api_caller, key_only, key_or_staff
from api.permissions import require_staff
from api.schemas import ERRORS
from core import limits
from core.errors import Forbidden, NotAuthenticated, NotFound, ValidationFailed
from core.pagination import keyset_page
from integrations import actions, queries, scopes
from integrations.metadata import METADATA_HELP
from integrations.models import ApiKey
from webhooks import queries as webhook_queries

router = Router(tags=["integrations"])

Scope = Literal["users", "events", "webhooks", "act", "staff"]


class ApiKeyIn(Schema):
    name: str = Field(min_length=1, max_length=limits.NAME)
    scopes: list[Scope] | None = Field(
        default=None, description=f"Default: {', '.join(scopes.DEFAULT)}. 'staff' lets the key act for staff users."
    )


class ApiKeyOut(Schema):
    id: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, key: ApiKey) -> ApiKeyOut:
        return cls(
            id=key.public_id,
            name=key.name,
            scopes=key.scopes,
            created_at=key.created_at,
            last_used_at=key.last_used_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreatedOut(ApiKeyOut):
    secret: str = Field(description="psk_…: shown this once; Parley keeps only its hash.")


class ApiKeyPage(Schema):
    items: list[ApiKeyOut]
    next_cursor: str | None


class UserRecord(Schema):
    id: str
    external_id: str | None
    username: str
    display_name: str
    email: str
    status: Literal["active", "suspended"]
    is_staff: bool
    metadata: dict[str, str]

    @classmethod
    def of(cls, user: User) -> UserRecord:
        return cls(
            id=user.public_id,
            external_id=user.external_id,
            username=user.username,
            display_name=user.display_name,
            email=user.email,
            status="active" if user.is_active else "suspended",
            is_staff=user.is_staff,
            metadata=user.metadata or {},
        )


class UserPage(Schema):
    items: list[UserRecord]
    next_cursor: str | None


class LoginLinkIn(Schema):
    next: str | None = Field(
        default=None, max_length=limits.LOCAL_PATH, description="A path of this site, e.g. /orders/ord_…"
    )


class LoginLinkOut(Schema):
    url: str
    expires_at: datetime


@router.post("/api-keys", response={201: ApiKeyCreatedOut, **ERRORS}, operation_id="create_api_key")
def create_key(request: HttpRequest, payload: ApiKeyIn) -> Status[ApiKeyCreatedOut]:
    """Creates a key (staff only). The answer carries its secret, once."""
    key, secret = actions.create_key(
        name=payload.name,
        scopes=list(payload.scopes) if payload.scopes is not None else None,
        by=require_staff(request),
    )
    return Status(201, ApiKeyCreatedOut(**ApiKeyOut.of(key).model_dump(), secret=secret))


@router.get("/api-keys", response={200: ApiKeyPage, **ERRORS}, operation_id="list_api_keys")
def list_keys(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> ApiKeyPage:
    require_staff(request)
    page = keyset_page(queries.keys(), cursor=cursor, limit=limit)
    return ApiKeyPage(items=[ApiKeyOut.of(k) for k in page.items], next_cursor=page.next_cursor)


@router.post("/api-keys/{key_id}/revoke", response={200: ApiKeyOut, **ERRORS}, operation_id="revoke_api_key")
def revoke_key(request: HttpRequest, key_id: str) -> ApiKeyOut:
    """Revokes a key at once: its next request is refused."""
    by = require_staff(request)
    return ApiKeyOut.of(actions.revoke_key(key=queries.get_key(key_id), by=by))


@router.get(
    "/users/{user_id}",
    response={200: UserRecord, **ERRORS},
    auth=key_or_staff(scopes.USERS),
    operation_id="get_user",
)
def get_user(request: HttpRequest, user_id: str) -> UserRecord:
    return UserRecord.of(queries.get_user(user_id))


def find_users(
    request: HttpRequest, external_id: str | None = None, cursor: str | None = None, limit: int | None = None
) -> UserPage:
    """Users, newest first; `external_id` finds the one the marketplace knows by that id. (Served
    from the accounts router, which holds the path `/users`.)"""
    qs = User.objects.all()
    if external_id is not None:
        qs = qs.filter(external_id=external_id)
    page = keyset_page(qs, cursor=cursor, limit=limit)
    return UserPage(items=[UserRecord.of(u) for u in page.items], next_cursor=page.next_cursor)


@router.post(
    "/users/{user_id}/login-links",
    response={201: LoginLinkOut, **ERRORS},
    auth=key_only(scopes.USERS),
    operation_id="create_login_link",
)
def login_link(request: HttpRequest, user_id: str, payload: LoginLinkIn | None = None) -> Status[LoginLinkOut]:
    """A one-time URL that logs the user in on Parley's pages and leads to `next`; valid 5 minutes."""
    key = request.auth  # type: ignore[attr-defined]
    if not isinstance(key, ApiKey):
        raise NotFound(_("No such user."))
    issued = actions.create_login_link(
        key=key, user=queries.get_user(user_id), next_path=payload.next if payload else None
    )
    url = request.build_absolute_uri(reverse("integrations:login_link", args=[issued.token]))
    return Status(201, LoginLinkOut(url=url, expires_at=issued.link.expires_at))


class ProvisionIn(Schema):
    external_id: str = Field(
        min_length=1, max_length=limits.EXTERNAL_ID, description="The marketplace's own id of this user."
    )
    email: str = Field(min_length=3, max_length=limits.EMAIL)
    display_name: str = Field(default="", max_length=limits.DISPLAY_NAME)
    metadata: dict[str, Any] | None = Field(default=None, description=METADATA_HELP)


def provision(request: HttpRequest, payload: Schema) -> UserRecord:
    """`POST /users` made with an API key: a user with no password, for the key's marketplace."""
    caller = api_caller(request)
    key = caller.key
    if caller.refusal is not None:
        raise caller.refusal
    if key is None and caller.user is None:
        raise NotAuthenticated(_("Provisioning a user takes an API key (Authorization: Bearer psk_…)."))
    if key is None or caller.user is not None:
        raise Forbidden(_("Only an API key (without Parley-On-Behalf-Of) provisions users; others sign up."))
    if scopes.USERS not in key.scopes:
        raise Forbidden(_("This API key lacks the scope 'users'."))
    if not isinstance(payload, ProvisionIn):
        raise ValidationFailed(
            _("An API key provisions users: send external_id and email."), fields={"external_id": ["required"]}
        )
    user = actions.provision_user(
        key=key,
        external_id=payload.external_id,
        email=payload.email,
        display_name=payload.display_name,
        metadata=payload.metadata,
    )
    return UserRecord.of(user)


class EventOut(Schema):
    id: str = Field(description="evt_…: the webhook-id of the same event's deliveries.")
    type: str
    created_at: str = Field(
        json_schema_extra={"format": "date-time"}, description="RFC 3339, byte for byte as the webhook carried it."
    )
    data: dict[str, Any]


class EventPage(Schema):
    items: list[EventOut]
    next_cursor: str | None


@router.get(
    "/events", response={200: EventPage, **ERRORS}, auth=key_or_staff(scopes.EVENTS), operation_id="list_events"
)
def list_events(
    request: HttpRequest,
    type: str | None = Query(default=None, max_length=64, description='A type or its start: "dispute."'),
    subject: str | None = Query(default=None, max_length=32, description="A public id: ord_…, dsp_…, tkt_…"),
    cursor: str | None = None,
    limit: int | None = None,
) -> EventPage:
    """What webhooks deliver (the same ids and bodies), newest first, kept at least 30 days."""
    page = keyset_page(webhook_queries.events(type_prefix=type, subject=subject), cursor=cursor, limit=limit)
    return EventPage(items=[EventOut(**e.payload) for e in page.items], next_cursor=page.next_cursor)
