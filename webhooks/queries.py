"""Reads of webhook endpoints and their deliveries: the administration's only."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.actors import Actor, SystemActor
from core.errors import Forbidden, NotFound
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden(_("Only the administration manages webhooks."))


def endpoints_for(user: Actor) -> QuerySet[WebhookEndpoint]:
    """Every endpoint, active or not (staff, or an API key acting as the system)."""
    if not isinstance(user, SystemActor):
        _require_staff(user)
    return WebhookEndpoint.objects.select_related("created_by")


def get_endpoint_for(user: Actor, public_id: str) -> WebhookEndpoint:
    """The endpoint (staff only); "not found" when there is none with this id."""
    endpoint = endpoints_for(user).filter(public_id=public_id).first()
    if endpoint is None:
        raise NotFound(_("No such webhook endpoint."))
    return endpoint


def deliveries_of(endpoint: WebhookEndpoint, *, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """What the endpoint was sent or is owed, optionally of one status."""
    qs = WebhookDelivery.objects.filter(endpoint=endpoint)
    if status:
        qs = qs.filter(status=status)
    return qs


def events(*, type_prefix: str | None = None, subject: str | None = None) -> QuerySet[Event]:
    """Stored events; `type_prefix` matches the start of the type ("dispute." or "dispute"),
    `subject` a public id: the event's subject or the order it concerns."""
    qs = Event.objects.all()
    if type_prefix:
        qs = qs.filter(code__startswith=type_prefix)
    if subject:
        qs = qs.filter(Q(subject_id=subject) | Q(order_id=subject))
    return qs
