from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from api.permissions import require_staff
from api.schemas import ERRORS
from core.pagination import keyset_page
from webhooks import actions, queries
from webhooks.models import MAX_URL, WebhookDelivery, WebhookEndpoint

router = Router(tags=["webhooks"])

DeliveryStatus = Literal["pending", "sent", "failed"]


class WebhookIn(Schema):
    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="https:// on a public host; checked again before every send.",
    )
    description: str = Field(default="", max_length=200)
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
            "created_by": endpoint.created_by.username,
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


@router.post("/webhooks", response={201: WebhookCreatedOut, **ERRORS})
def create(request: HttpRequest, payload: WebhookIn) -> Status[WebhookCreatedOut]:
    """Registers an endpoint (staff only). The answer carries the signing secret, once."""
    endpoint = actions.create_endpoint(
        by=require_staff(request), url=payload.url, description=payload.description, events=payload.events
    )
    return Status(201, WebhookCreatedOut(**WebhookOut.fields_of(endpoint), secret=endpoint.secret))


@router.get("/webhooks", response={200: WebhookPage, **ERRORS})
def list_webhooks(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> WebhookPage:
    """Every endpoint, newest first (staff only)."""
    page = keyset_page(queries.endpoints_for(require_staff(request)), cursor=cursor, limit=limit)
    return WebhookPage(items=[WebhookOut.of(e) for e in page.items], next_cursor=page.next_cursor)


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ERRORS})
def detail(request: HttpRequest, webhook_id: str) -> WebhookOut:
    return WebhookOut.of(queries.get_endpoint_for(require_staff(request), webhook_id))


@router.post("/webhooks/{webhook_id}/disable", response={200: WebhookOut, **ERRORS})
def disable(request: HttpRequest, webhook_id: str) -> WebhookOut:
    """Stops all traffic to the endpoint; what was still pending fails."""
    user = require_staff(request)
    endpoint = queries.get_endpoint_for(user, webhook_id)
    return WebhookOut.of(actions.disable_endpoint(endpoint_id=endpoint.pk, by=user))


@router.get("/webhooks/{webhook_id}/deliveries", response={200: DeliveryPage, **ERRORS})
def deliveries(
    request: HttpRequest,
    webhook_id: str,
    status: DeliveryStatus | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> DeliveryPage:
    """What the endpoint was sent or is owed, newest first, with each try's outcome."""
    endpoint = queries.get_endpoint_for(require_staff(request), webhook_id)
    page = keyset_page(queries.deliveries_of(endpoint, status=status), cursor=cursor, limit=limit)
    return DeliveryPage(items=[DeliveryOut.of(d) for d in page.items], next_cursor=page.next_cursor)
