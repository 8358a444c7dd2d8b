"""The order's read model (`orders.queries.order_view`): what the seller is paid when the order
completes is worked out there, once, and the order page's confirmation states it."""

from __future__ import annotations

from typing import Any

from core import clock
from core.money import Money
from orders import queries
from policy import rules
from testsupport import factories


def test_the_release_is_what_completing_pays_and_the_page_says_it(make_user: Any, client: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    order = factories.delivered_order(buyer, seller, price=100_00)

    view = queries.order_view(order, viewer=buyer, now=clock.now())
    expected = rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=0)
    assert view.release == expected and view.release.buyer_refund == Money(0, "USD")
    assert view.release.seller_payout + view.release.platform_fee == order.price + order.fee

    client.force_login(buyer)
    page = client.get(f"/orders/{order.public_id}/")
    assert page.context["release"] == view.release
    assert f"Confirming pays boris {view.release.seller_payout.format()} now" in page.content.decode()
