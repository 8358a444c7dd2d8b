"""Personal data over the API (`ops.privacy`): a person's own export, and staff's export and
erasure of anyone's."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from accounts.models import User
from api.permissions import caller, require_staff
from api.schemas import ERRORS
from core.errors import NotFound
from ops import privacy

router = Router(tags=["privacy"])


class ErasedOut(Schema):
    id: str
    username: str
    erased: bool


def _user(public_id: str) -> User:
    user = User.objects.filter(public_id=public_id).first()
    if user is None:
        raise NotFound(_("There is no such user."))
    return user


@router.get("/me/export", response={200: dict[str, Any], **ERRORS})
def export_me(request: HttpRequest) -> dict[str, Any]:
    return privacy.export_user(caller(request))


@router.get("/staff/users/{user_id}/export", response={200: dict[str, Any], **ERRORS})
def export_user(request: HttpRequest, user_id: str) -> dict[str, Any]:
    require_staff(request)
    return privacy.export_user(_user(user_id))


@router.post("/staff/users/{user_id}/erase", response={200: ErasedOut, **ERRORS})
def erase_user(request: HttpRequest, user_id: str) -> ErasedOut:
    staff = require_staff(request)
    user = privacy.erase_user(user_id=_user(user_id).pk, by=staff)
    return ErasedOut(id=user.public_id, username=user.username, erased=True)
