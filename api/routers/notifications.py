from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from api.permissions import caller
from api.schemas import ERRORS
from core.pagination import keyset_page
from notifications import actions, queries
from notifications.links import absolute
from notifications.models import Notification

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: str
    code: str
    title: str
    body: str
    link: str
    url: str = Field(description="`link` as an absolute URL on PARLEY_PUBLIC_URL (empty when there is no link).")
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, note: Notification) -> NotificationOut:
        return cls(
            id=note.public_id,
            code=note.code,
            title=note.title,
            body=note.body,
            link=note.link,
            url=absolute(note.link),
            created_at=note.created_at,
            read_at=note.read_at,
        )


class NotificationPage(Schema):
    items: list[NotificationOut]
    next_cursor: str | None
    unread: int


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> NotificationPage:
    user = caller(request)
    page = keyset_page(queries.for_user(user), cursor=cursor, limit=limit)
    return NotificationPage(
        items=[NotificationOut.of(n) for n in page.items],
        next_cursor=page.next_cursor,
        unread=queries.unread_count(user),
    )


@router.post("/notifications/{notification_id}/read", response={200: NotificationOut, **ERRORS})
def read(request: HttpRequest, notification_id: str) -> NotificationOut:
    return NotificationOut.of(actions.mark_read(user=caller(request), public_id=notification_id))
