"""Live case pages: the page polls itself with a conditional request.

A case page (order, dispute, ticket) carries the version of the case it shows. Every few
seconds parley.js asks for the same page again with `X-Parley-Live: 1` and `If-None-Match`;
while nothing changed, the answer is an empty 304 after two cheap queries (the case, and the
newest event and message ids of it). When something changed, the page is rendered again and
parley.js swaps its live regions in place, leaving alone any form the person is typing in.

The version is the newest audit event and chat message of the case (every action records an
event), so any change by anyone, a person or a deadline that fired, shows up on the next poll."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import Max, OuterRef, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags, quote_etag

from chat.models import Message
from core.models import AuditEvent
from disputes import queries as dispute_queries
from orders import queries as order_queries
from orders.models import Order
from tickets import queries as ticket_queries
from tickets.verdicts import sees_internal_notes
from web.auth import me

LIVE_HEADER = "X-Parley-Live"
View = Callable[..., HttpResponse]


def _case_version(order_id: int) -> str:
    """The newest event and chat message of the order's case, in one query."""
    newest_event = AuditEvent.objects.filter(case_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    newest_message = Message.objects.filter(order_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    row = (
        Order.objects.filter(pk=order_id)
        .annotate(event=Subquery(newest_event), message=Subquery(newest_message))
        .values_list("event", "message")
        .first()
    )
    event, message = row or (None, None)
    return f"{event or 0}.{message or 0}"


def order_version(request: HttpRequest, public_id: str) -> str:
    user = me(request)
    order = order_queries.get_order_for(user, public_id)
    return f"o{order.pk}.u{user.pk}.{order.status}.{_case_version(order.pk)}"


def dispute_version(request: HttpRequest, public_id: str) -> str:
    user = me(request)
    dispute = dispute_queries.get_dispute_for(user, public_id)
    return f"d{dispute.pk}.u{user.pk}.{dispute.status}.{_case_version(dispute.order_id)}"


def ticket_version(request: HttpRequest, public_id: str) -> str:
    user = me(request)
    ticket = ticket_queries.get_ticket_for(user, public_id)
    thread = ticket.messages.all()
    if not sees_internal_notes(ticket, user):
        thread = thread.filter(internal=False)
    newest = thread.aggregate(newest=Max("id"))["newest"] or 0
    return f"t{ticket.pk}.u{user.pk}.{ticket.status}.{ticket.updated_at.timestamp()}.{newest}"


def is_live(request: HttpRequest) -> bool:
    return request.headers.get(LIVE_HEADER) == "1"


def live_page(version_of: Callable[[HttpRequest, str], str]) -> Callable[[View], View]:
    """Makes a case page answer its own live polls: 304 while the case's version is the one
    the page already shows. The version reaches the template as `request.live_version`."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, public_id: str, **kwargs: Any) -> HttpResponse:
            etag = quote_etag(version_of(request, public_id))
            live = is_live(request) and request.method == "GET"
            if live and etag in parse_etags(request.headers.get("If-None-Match", "")):
                response: HttpResponse = HttpResponseNotModified()
                response["ETag"] = etag
                return response
            request.live_version = etag  # type: ignore[attr-defined]
            response = view(request, public_id, **kwargs)
            if live:
                response["ETag"] = etag
                patch_cache_control(response, private=True, no_store=True)
            return response

        return wrapper

    return decorate
