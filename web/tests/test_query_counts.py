"""Pages cost the same number of queries for 3 rows as for 15: no query per row (N+1)."""

from __future__ import annotations

import pytest

from testsupport.desk import Desk
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
        ("buyer", "/"),  # the dashboard: what waits for me, with each deadline
        ("seller", "/"),
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


@pytest.mark.parametrize("who", ["owner", "buyer", "staff"])
def test_dashboard_with_disputes_and_tickets(make_user, client, tclock, who):
    """The dashboard lists disputes and tickets too, each with its deadline, in a fixed number of queries."""
    desk = Desk(owner=make_user("owner"), buyer=make_user("buyer"), staff=make_user("agent", staff=True))
    client.force_login(getattr(desk, who))
    assert_same_cost(desk, lambda: client.get("/"))


@pytest.mark.parametrize(("who", "path"), [("buyer", "/disputes/"), ("staff", "/disputes/?tab=escalated")])
def test_dispute_list(make_user, client, tclock, who, path):
    """The party dispute list maps the read model's summaries: still a fixed number of queries."""
    desk = Desk(owner=make_user("owner"), buyer=make_user("buyer"), staff=make_user("agent", staff=True))
    client.force_login(getattr(desk, who))
    assert_same_cost(desk, lambda: client.get(path))
