from __future__ import annotations

from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from chat.models import Message, ReadMark


def thread(order_id: int, channel: str, *, after_id: int = 0) -> QuerySet[Message]:
    return (
        Message.objects.filter(order_id=order_id, channel=channel, id__gt=after_id)
        .select_related("author")
        .order_by("id")
    )


def with_unread_counts[M: Any](orders: QuerySet[M], user: User, channel: str = "order") -> QuerySet[M]:
    """Annotates each order with `unread`: messages by others after the user's read mark, in
    the same query as the list itself (no query per row)."""
    last_read = ReadMark.objects.filter(user=user, order=OuterRef("pk"), channel=channel).values("last_read_id")[:1]
    return orders.annotate(last_read=Coalesce(Subquery(last_read), Value(0))).annotate(
        unread=Count(
            "messages",
            filter=Q(messages__channel=channel, messages__id__gt=F("last_read"))
            & (Q(messages__author__isnull=True) | ~Q(messages__author=user)),
        )
    )
