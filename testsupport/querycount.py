"""Query counting for list pages: a list of 15 rows must cost what a list of 3 costs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from orders import actions
from orders.models import Order
from testsupport import factories


class Market:
    """A buyer and a seller trading; `grow(n)` adds n orders in mixed states, each with a
    chat message: paid, delivered, and completed by confirmation."""

    def __init__(self, buyer: User, seller: User) -> None:
        self.buyer, self.seller = buyer, seller
        self.orders: list[Order] = []

    def grow(self, n: int) -> None:
        for i in range(len(self.orders), len(self.orders) + n):
            if i % 3 == 0:
                order = factories.paid_order(self.buyer, self.seller, price=10_00 + i)
            else:
                order = factories.delivered_order(self.buyer, self.seller, price=10_00 + i)
            actions.post_message(order_id=order.pk, by=self.seller, body=f"Message {i}")
            if i % 3 == 2:
                actions.confirm(order_id=order.pk, by=self.buyer)
            self.orders.append(order)

    def chat(self, order: Order, n: int) -> None:
        for i in range(n):
            actions.post_message(order_id=order.pk, by=self.buyer if i % 2 else self.seller, body=f"more {i}")


class Grows(Protocol):
    """Test data that `grow(n)` adds n more rows of each kind to (a `Market`, a `Desk`)."""

    def grow(self, n: int) -> None: ...


def queries_for(request: Callable[[], Any]) -> int:
    """Queries one request makes, after a warm-up request (sessions, policy versions and
    caches are not what is measured). The request must answer 200."""
    request()
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response.content[:500]
    return len(captured.captured_queries)


def assert_same_cost(market: Grows, request: Callable[[], Any]) -> None:
    market.grow(3)
    few = queries_for(request)
    market.grow(12)
    many = queries_for(request)
    assert many == few, f"{few} queries for 3 rows, {many} for 15"
