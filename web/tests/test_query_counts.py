"""Pages cost the same number of queries for 3 rows as for 15: no query per row (N+1)."""

from __future__ import annotations

import pytest

from testsupport.querycount import Market, assert_same_cost, queries_for


@pytest.fixture
def market(make_user):
    return Market(make_user("buyer"), make_user("seller"))


@pytest.fixture
def buyer_web(client, market):
    client.force_login(market.buyer)
    return client


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("buyer", "/orders/"),
        ("seller", "/orders/?tab=sales"),
        ("buyer", "/wallet/"),
        ("seller", "/wallet/"),
        ("buyer", "/listings/"),
        ("seller", "/listings/?mine=1"),
    ],
)
def test_list_pages(market, client, who, path):
    client.force_login(getattr(market, who))
    assert_same_cost(market, lambda: client.get(path))


def test_order_page_with_a_long_chat(market, buyer_web):
    market.grow(2)
    order = market.orders[1]  # delivered: deadlines, ledger lines and a timeline to show

    def page():
        return buyer_web.get(f"/orders/{order.public_id}/")

    few = queries_for(page)
    market.chat(order, 12)
    assert queries_for(page) == few
