"""API lists cost the same number of queries for 3 rows as for 15: no query per row (N+1)."""

from __future__ import annotations

import pytest

from testsupport import factories
from testsupport.desk import Desk
from testsupport.querycount import Market, assert_same_cost, queries_for


@pytest.fixture
def market(make_user):
    return Market(make_user("buyer"), make_user("seller"))


@pytest.fixture
def buyer_api(api, market):
    return api(market.buyer)


@pytest.mark.parametrize("query", [{}, {"role": "buyer"}, {"status": "delivered"}])
def test_order_list(market, buyer_api, query):
    assert_same_cost(market, lambda: buyer_api.get("/orders", **query))


def test_wallet_entries(market, buyer_api):
    assert_same_cost(market, lambda: buyer_api.get("/wallet/entries"))


def test_listings(market, buyer_api):
    assert_same_cost(market, lambda: buyer_api.get("/listings"))


@pytest.fixture
def desk(make_user):
    return Desk(owner=make_user("owner"), buyer=make_user("desk-buyer"), staff=make_user("agent", staff=True))


@pytest.mark.parametrize(
    ("who", "path", "query"),
    [
        ("owner", "/tickets", {}),
        ("owner", "/tickets", {"status": "open"}),
        ("staff", "/tickets", {}),
        ("owner", "/notifications", {}),
        ("buyer", "/notifications", {}),
        ("buyer", "/disputes", {}),
        ("buyer", "/disputes", {"tab": "escalated"}),
        ("staff", "/disputes", {"tab": "awaiting_me"}),
        ("staff", "/staff/queue", {"limit": 100}),
        ("staff", "/staff/queue", {"kind": "dispute", "q": "desk"}),
    ],
)
def test_desk_lists(desk, api, tclock, who, path, query):
    # The test clock is on: every clock.now() is a query, so a list must read it once.
    client = api(getattr(desk, who))
    assert_same_cost(desk, lambda: client.get(path, **query))


def test_order_chat(market, buyer_api):
    market.grow(1)
    order = market.orders[0]

    def chat():
        return buyer_api.get(f"/orders/{order.public_id}/messages")

    few = queries_for(chat)
    market.chat(order, 12)
    assert queries_for(chat) == few


def test_dispute_lists_carry_allowed_actions_and_deadlines_in_constant_queries(api, make_user, tclock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    buyer = make_user("lister")
    client = api(buyer)

    def listing_queries(n: int) -> tuple[int, dict]:
        for _ in range(n):
            factories.dispute_of(buyer)
        with CaptureQueriesContext(connection) as ctx:
            body = client.get("/disputes", tab="open").json()
        return len(ctx.captured_queries), body

    few, _ = listing_queries(2)
    many, body = listing_queries(6)
    assert few == many
    first = body["items"][0]
    assert {"action", "allowed", "reason", "available_at"} <= set(first["allowed_actions"][0])
    assert any(d["name"] == "seller_response" for d in first["deadlines"])


def test_a_dispute_costs_the_same_queries_however_many_proposals_it_has(api, make_user, tclock):
    # With a running clock every call of clock.now() differs: the page must take one instant
    # for all its verdicts, or each proposal looks at the deadlines again.
    from django.db import connection
    from django.test import override_settings
    from django.test.utils import CaptureQueriesContext

    from disputes import actions

    buyer = make_user()

    def detail_queries(proposals: int) -> int:
        dispute = factories.dispute_of(buyer)
        for i in range(proposals):
            by = dispute.order.seller if i % 2 == 0 else buyer
            actions.propose(dispute_id=dispute.pk, by=by, kind="partial_refund", refund_amount=100 + i)
        client = api(buyer)
        with override_settings(TEST_CLOCK_ENABLED=False), CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/disputes/{dispute.public_id}").status_code == 200
        return len(ctx.captured_queries)

    assert detail_queries(2) == detail_queries(6)
