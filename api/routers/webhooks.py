from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from api.auth import key_or_staff
from api.permissions import require_staff
from api.schemas import ERRORS
from core import limits
from core.actors import Actor
from core.pagination import keyset_page
from integrations import scopes
from integrations.actions import KEY_ACTOR
from integrations.models import ApiKey
from webhooks import actions, queries
from webhooks.models import MAX_URL, WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])
KEY_OR_STAFF = key_or_staff(scopes.WEBHOOKS)

DeliveryStatus = Literal["pending", "sent", "failed"]


class WebhookIn(Schema):
    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="https:// on a public host; checked again before every send.",
    )
    description: str = Field(default="", max_length=limits.LINE)
    events: list[str] = Field(
        default_factory=list,
        max_length=actions.MAX_FILTERS,
        description='Event codes or families to receive ("order.", "dispute.resolved"); empty: every event.',
    )


class WebhookOut(Schema):
    id: str
    url: str
    description: str
    events: list[str]
    is_active: bool
    created_by: str
    created_at: datetime
    disabled_at: datetime | None

    @classmethod
    def fields_of(cls, endpoint: WebhookEndpoint) -> dict[str, Any]:
        return {
            "id": endpoint.public_id,
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.event_filter,
            "is_active": endpoint.is_active,
            "created_by": endpoint.created_by.username if endpoint.created_by else "an API key",
            "created_at": endpoint.created_at,
            "disabled_at": endpoint.disabled_at,
        }

    @classmethod
    def of(cls, endpoint: WebhookEndpoint) -> WebhookOut:
        return cls.model_validate(cls.fields_of(endpoint))


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="The signing secret (whsec_…, Standard Webhooks). Shown this once: store it now.")


class WebhookPage(Schema):
    items: list[WebhookOut]
    next_cursor: str | None


class DeliveryOut(Schema):
    event_id: str = Field(description="The webhook-id header: the same on every retry.")
    type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime | None = Field(description="When the next try is due; null unless pending.")
    created_at: datetime
    sent_at: datetime | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        pending = delivery.status == WebhookDelivery.Status.PENDING
        return cls(
            event_id=delivery.event_id,
            type=delivery.event_code,
            status=delivery.status,  # type: ignore[arg-type]
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            next_attempt_at=delivery.next_attempt_at if pending else None,
            created_at=delivery.created_at,
            sent_at=delivery.sent_at,
            payload=delivery.payload,
        )


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None


@router.post("/webhooks", response={201: WebhookCreatedOut, **ERRORS}, auth=KEY_OR_STAFF)
def create(request: HttpRequest, payload: WebhookIn) -> Status[WebhookCreatedOut]:
    """Registers an endpoint (staff or a key). The answer carries the signing secret, once."""
    endpoint = actions.create_endpoint(
        by=_manager(request), url=payload.url, description=payload.description, events=payload.events
    )
    return Status(201, WebhookCreatedOut(**WebhookOut.fields_of(endpoint), secret=endpoint.secret))


@router.get("/webhooks", response={200: WebhookPage, **ERRORS}, auth=KEY_OR_STAFF)
def list_webhooks(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> WebhookPage:
    """Every endpoint, newest first (staff or a key)."""
    page = keyset_page(queries.endpoints_for(_manager(request)), cursor=cursor, limit=limit)
    return WebhookPage(items=[WebhookOut.of(e) for e in page.items], next_cursor=page.next_cursor)


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS}, auth=KEY_OR_STAFF)
def detail(request: HttpRequest, webhook_id: str) -> WebhookOut:
    return WebhookOut.of(queries.get_endpoint_for(_manager(request), webhook_id))


@router.post("/webhooks/{webhook_id}/disable", response={200: WebhookOut, **ERRORS}, auth=KEY_OR_STAFF)
def disable(request: HttpRequest, webhook_id: str) -> WebhookOut:
    """Stops all traffic to the endpoint; what was still pending fails."""
    user = _manager(request)
    endpoint = queries.get_endpoint_for(user, webhook_id)
    return WebhookOut.of(actions.disable_endpoint(endpoint_id=endpoint.pk, by=user))


@router.get("/webhooks/{webhook_id}/deliveries", response={200: DeliveryPage, **ERRORS}, auth=KEY_OR_STAFF)
def deliveries(
    request: HttpRequest,
    webhook_id: str,
    status: DeliveryStatus | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> DeliveryPage:
    """What the endpoint was sent or is owed, newest first, with each try's outcome."""
    endpoint = queries.get_endpoint_for(_manager(request), webhook_id)
    page = keyset_page(queries.deliveries_of(endpoint, status=status), cursor=cursor, limit=limit)
    return DeliveryPage(items=[DeliveryOut.of(d) for d in page.items], next_cursor=page.next_cursor)


class RotatedOut(WebhookOut):
    secret: str = Field(description="The new whsec_… secret, shown this once. The old one signs beside it for 24 h.")
    previous_secret_until: datetime


def _manager(request: HttpRequest) -> Actor:
    """Who manages webhooks in this request: an API key (acting as the system) or staff."""
    return KEY_ACTOR if isinstance(request.auth, ApiKey) else require_staff(request)  # type: ignore[attr-defined]


@router.post(
    "/webhooks/{webhook_id}/test", response={202: DeliveryOut, **ERRORS}, auth=KEY_OR_STAFF, operation_id="test_webhook"
)
def send_test(request: HttpRequest, webhook_id: str) -> Status[DeliveryOut]:
    """Queues a `webhook.test` event for this endpoint, due now."""
    by = _manager(request)
    delivery = actions.send_test(endpoint=queries.get_endpoint_for(by, webhook_id), by=by)
    return Status(202, DeliveryOut.of(delivery))


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response={200: RotatedOut, **ERRORS},
    auth=KEY_OR_STAFF,
    operation_id="rotate_webhook_secret",
)
def rotate_secret(request: HttpRequest, webhook_id: str) -> RotatedOut:
    """A new signing secret, shown once; the old one keeps signing beside it for 24 hours."""
    by = _manager(request)
    endpoint = actions.rotate_secret(endpoint=queries.get_endpoint_for(by, webhook_id), by=by)
    assert endpoint.previous_secret_until is not None
    return RotatedOut(
        **WebhookOut.fields_of(endpoint), secret=endpoint.secret, previous_secret_until=endpoint.previous_secret_until
    )


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    response={202: DeliveryOut, **ERRORS},
    auth=KEY_OR_STAFF,
    operation_id="retry_webhook_delivery",
)
def retry(request: HttpRequest, webhook_id: str, delivery_id: str) -> Status[DeliveryOut]:
    """One more try of this delivery (`delivery_id` is its `event_id`), due now."""
    by = _manager(request)
    endpoint = queries.get_endpoint_for(by, webhook_id)
    return Status(202, DeliveryOut.of(actions.retry_delivery(endpoint=endpoint, event_id=delivery_id, by=by)))
