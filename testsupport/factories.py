"""Factories for tests: valid initial states only. Later states are reached by calling the
real actions (deliver, confirm, open a dispute...), never by writing a status directly."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from accounts.models import User
from catalog import actions as catalog
from catalog.models import Listing
from core.money import Money
from orders import actions as orders
from orders.models import Order

if TYPE_CHECKING:
    from disputes.models import Dispute
from payments import actions as payments
from policy.active import configured_policy


def listing(
    seller: User,
    *,
    price: int = 100_00,
    kind: str = "product",
    currency: str = "USD",
    title: str = "Game key",
) -> Listing:
    return catalog.create_listing(
        by=seller,
        title=title,
        description="A key for the game, EU region.",
        kind=kind,
        price=Money(price, currency),
    )


def fund(user: User, amount: int, currency: str = "USD") -> None:
    payments.deposit(by=user, amount=Money(amount, currency))


def paid_order(
    buyer: User,
    seller: User,
    *,
    price: int = 100_00,
    kind: str = "product",
    fund_buyer: bool = True,
    currency: str = "USD",
    title: str = "Game key",
) -> Order:
    """An order in `paid`: the buyer deposits enough and buys a fresh listing of the seller's."""
    item = listing(seller, price=price, kind=kind, currency=currency, title=title)
    if fund_buyer:
        fund(buyer, price * 2 + 1000, currency)
    return orders.place_order(by=buyer, listing_id=item.pk)


def delivered_order(buyer: User, seller: User, **kwargs: object) -> Order:
    order = paid_order(buyer, seller, **kwargs)  # type: ignore[arg-type]
    return orders.deliver(order_id=order.pk, by=seller, note="KEY-1234")


def open_dispute(
    order: Order,
    *,
    reason: str = "incorrect",
    kind: str = "full_refund",
    refund_amount: int | None = None,
    description: str = "The key is for the wrong region.",
) -> Dispute:
    """Opens a dispute on `order` through the real action (the caller moved the clock past
    the policy's min_order_age)."""
    from disputes import opening as disputes

    return disputes.open_dispute(
        order_id=order.pk,
        by=order.buyer,
        reason=reason,
        description=description,
        requested_kind=kind,
        refund_amount=refund_amount,
        accept_terms=True,
    )


def dispute_of(buyer: User) -> Dispute:
    """A fresh dispute of `buyer`'s with a new seller, opened through the actions (the test clock
    moves past the policy's min_order_age to allow it)."""
    from core import clock

    seller = User.objects.create_user(
        username=f"seller-{secrets.token_hex(4)}", email="seller@example.org", password="x" * 12
    )
    order = delivered_order(buyer, seller)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    return open_dispute(order)
