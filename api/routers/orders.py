from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from accounts.models import User
from api.permissions import caller
from api.schemas import ERRORS, AllowedAction, DeadlineOut, MoneyIn, MoneyOut, money_fields, page_of, shallow_dict
from chat import queries as chat_queries
from chat.models import Message
from core import clock, limits
from core.pagination import keyset_page
from integrations.metadata import METADATA_HELP
from orders import actions, queries
from orders.models import Order
from orders.queries import OrderView

router = Router(tags=["orders"])

OrderStatus = Literal["paid", "delivered", "completed", "disputed", "refunded", "partially_refunded", "cancelled"]


class PolicyRef(Schema):
    name: str
    version: int


class OrderOut(Schema):
    id: str
    status: OrderStatus
    buyer: str
    buyer_id: str
    seller: str
    seller_id: str
    price: MoneyOut
    fee: MoneyOut
    total: MoneyOut
    placed_at: datetime
    delivered_at: datetime | None
    completed_at: datetime | None
    delivery_note: str
    listing_snapshot: dict[str, Any]
    policy: PolicyRef
    allowed_actions: list[AllowedAction]
    deadlines: list[DeadlineOut]
    metadata: dict[str, str]

    @classmethod
    def of(cls, view: OrderView) -> OrderOut:
        order = view.order
        # Nested parts as dicts: validated once, here (an instance would be validated again).
        return cls.model_validate(
            {
                "id": order.public_id,
                "status": order.status,
                "buyer": order.buyer.username,
                "buyer_id": order.buyer.public_id,
                "seller": order.seller.username,
                "seller_id": order.seller.public_id,
                "metadata": order.metadata or {},
                "price": money_fields(order.price),
                "fee": money_fields(order.fee),
                "total": money_fields(order.total),
                "placed_at": order.placed_at,
                "delivered_at": order.delivered_at,
                "completed_at": order.completed_at,
                "delivery_note": order.delivery_note,
                "listing_snapshot": order.listing_snapshot,
                "policy": {"name": order.policy_version.name, "version": order.policy_version.number},
                "allowed_actions": [v.as_dict() for v in view.allowed_actions],
                "deadlines": [shallow_dict(d) for d in view.deadlines],
            }
        )

    @classmethod
    def mine(cls, user: User, order: Order) -> OrderOut:
        """`order` as `user` sees it now, from the row an action just returned (no second read)."""
        return cls.of(queries.order_view(order, viewer=user, now=clock.now()))

    @classmethod
    def read(cls, user: User, public_id: str) -> OrderOut:
        """The order as `user` sees it now (after a step, the state the step left)."""
        return cls.of(queries.order_view(queries.get_order_for(user, public_id), viewer=user, now=clock.now()))


class OrderPage(Schema):
    items: list[OrderOut]
    next_cursor: str | None


class PlaceOrderIn(Schema):
    listing_id: str = Field(min_length=1, max_length=32)
    metadata: dict[str, Any] | None = Field(default=None, description=METADATA_HELP)
    expected_total: MoneyIn | None = Field(
        default=None,
        description="The total (price + fee) the buyer was shown; 409 `price_changed` with the current "
        "`total` when it differs, and nothing is charged.",
    )


class DeliverIn(Schema):
    note: str = Field(default="", max_length=limits.LONG_TEXT)


class CancelIn(Schema):
    reason: str = Field(default="", max_length=limits.CANCEL_REASON)


class MessageIn(Schema):
    body: str = Field(min_length=1, max_length=limits.LONG_TEXT)


class FlagDetailOut(Schema):
    flag: str = Field(description="The flag this explains, e.g. `off_platform_contact`.")
    kind: Literal["email", "phone", "messenger", "payment", "crypto", "link", "contact"]
    detail: str = Field(description="Which messenger or payment system, when known (`Telegram`, `PayPal`).")
    reason: str = Field(description="What the reminder both sides see names: `a messenger contact (Telegram)`.")


class MessageOut(Schema):
    id: str
    author: str | None
    author_role: str
    body: str
    flags: list[str]
    flag_details: list[FlagDetailOut] = Field(description="Why each flag was raised, one entry per kind of contact.")
    created_at: datetime

    @classmethod
    def of(cls, message: Message) -> MessageOut:
        return cls(
            id=message.public_id,
            author=message.author.username if message.author else None,
            author_role=message.author_role,
            body=message.body,
            flags=list(message.flags),
            flag_details=[FlagDetailOut(**d) for d in message.flag_details],
            created_at=message.created_at,
        )


class MessagePage(Schema):
    items: list[MessageOut]
    next_cursor: str | None


@router.post("/orders", response={201: OrderOut, **ERRORS})
def place(request: HttpRequest, payload: PlaceOrderIn) -> Status[OrderOut]:
    user = caller(request)
    expected = payload.expected_total.to_money() if payload.expected_total is not None else None
    # The listing is read once, locked, by the action; the answer is the order it made.
    order = actions.place_order(
        by=user, listing_id=payload.listing_id, expected_total=expected, metadata=payload.metadata
    )
    return Status(201, OrderOut.mine(user, order))


@router.get("/orders", response={200: OrderPage, **ERRORS})
def list_orders(
    request: HttpRequest,
    role: Literal["buyer", "seller"] | None = None,
    status: OrderStatus | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> OrderPage:
    user = caller(request)
    page = keyset_page(queries.orders_for(user, role=role, status=status), cursor=cursor, limit=limit)
    views = queries.order_views(page.items, viewer=user, now=clock.now())
    return page_of(OrderPage, [OrderOut.of(view) for view in views], page.next_cursor)


@router.get("/orders/{order_id}", response={200: OrderOut, **ERRORS})
def detail(request: HttpRequest, order_id: str) -> OrderOut:
    user = caller(request)
    return OrderOut.read(user, order_id)


@router.post("/orders/{order_id}/deliver", response={200: OrderOut, **ERRORS})
def deliver(request: HttpRequest, order_id: str, payload: DeliverIn) -> OrderOut:
    user = caller(request)
    order = queries.get_order_for(user, order_id)
    # The answer is the order as the action left it (read under its lock), not a third read.
    return OrderOut.mine(user, actions.deliver(order_id=order.pk, by=user, note=payload.note))


@router.post("/orders/{order_id}/confirm", response={200: OrderOut, **ERRORS})
def confirm(request: HttpRequest, order_id: str) -> OrderOut:
    user = caller(request)
    order = queries.get_order_for(user, order_id)
    return OrderOut.mine(user, actions.confirm(order_id=order.pk, by=user))


@router.post("/orders/{order_id}/cancel", response={200: OrderOut, **ERRORS})
def cancel(request: HttpRequest, order_id: str, payload: CancelIn | None = None) -> OrderOut:
    user = caller(request)
    order = queries.get_order_for(user, order_id)
    actions.cancel(order_id=order.pk, by=user, reason=payload.reason if payload else "")
    return OrderOut.read(user, order_id)


@router.get("/orders/{order_id}/messages", response={200: MessagePage, **ERRORS})
def messages(request: HttpRequest, order_id: str, cursor: str | None = None, limit: int | None = None) -> MessagePage:
    """The order chat, oldest first."""
    user = caller(request)
    order = queries.get_order_for(user, order_id)
    page = keyset_page(chat_queries.thread(order.pk, "order"), cursor=cursor, limit=limit, oldest_first=True)
    return MessagePage(items=[MessageOut.of(m) for m in page.items], next_cursor=page.next_cursor)


@router.post("/orders/{order_id}/messages", response={201: MessageOut, **ERRORS})
def post_message(request: HttpRequest, order_id: str, payload: MessageIn) -> Status[MessageOut]:
    user = caller(request)
    order = queries.get_order_for(user, order_id)
    return Status(201, MessageOut.of(actions.post_message(order_id=order.pk, by=user, body=payload.body)))
