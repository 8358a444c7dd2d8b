"""`POST /users/{id}/suspend` and `/reinstate` (API.md v1 additions): staff only."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from accounts import actions, queries
from accounts.models import User
from api.permissions import require_staff
from api.routers.accounts import UserOut
from api.schemas import ERRORS
from core import limits

router = Router(tags=["accounts"])


class ReasonIn(Schema):
    reason: str = Field(max_length=limits.NOTE, description="Why; the user receives it as a statement of reasons.")


class UserStatusOut(UserOut):
    status: Literal["active", "suspended"]

    @classmethod
    def of_user(cls, user: User) -> UserStatusOut:
        return cls(**UserOut.of(user).model_dump(), status=queries.status_of(user))  # type: ignore[arg-type]


@router.post("/users/{user_id}/suspend", response={200: UserStatusOut, **ERRORS})
def suspend(request: HttpRequest, user_id: str, payload: ReasonIn) -> UserStatusOut:
    staff = require_staff(request)
    user = actions.suspend(user_id=queries.get_user(user_id).pk, by=staff, reason=payload.reason)
    return UserStatusOut.of_user(user)


@router.post("/users/{user_id}/reinstate", response={200: UserStatusOut, **ERRORS})
def reinstate(request: HttpRequest, user_id: str, payload: ReasonIn) -> UserStatusOut:
    staff = require_staff(request)
    user = actions.reinstate(user_id=queries.get_user(user_id).pk, by=staff, reason=payload.reason)
    return UserStatusOut.of_user(user)
