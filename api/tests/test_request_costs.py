"""What one request of the money path costs in queries, pinned so a change that adds a query
per request (or a test-clock reading per call) shows up here. The test clock is on, as in
every test: a request reads it once (`core.middleware.OneClockReadingMiddleware`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from testsupport import factories

# Measured with the test clock on; without it each request makes one query fewer. Before one
# reading per request, POST /orders made 53 (8 of them test-clock reads). Reads now also look up
# the caller's rate-limit budget once (the `RateLimit-*` headers); writes count it atomically.
# Then 43 / 5 / 26 / 44, before: the listing read once, the escrow opened by one INSERT, the
# wallet found and locked in one query and not read again by the posting, one UPDATE for the
# balances, no savepoint for a transaction without a unique key, deadlines in one INSERT, the
# idempotency row stored by one upsert, the answer built from the order the action returned,
# a settlement's accounts found in one query, webhook endpoints read once per transaction.
# (confirm here is the seller's first sale: it opens their wallet and the fee account.)
# The e-mail names the item and the other side from the order the action holds (`notify(about=)`),
# not from a second read. Then deliver 20 and confirm 35, before: a subject's deadlines withdrawn
# by one UPDATE (its subquery claims them, SKIP LOCKED), a settlement's unique key decided by its
# INSERT (ON CONFLICT DO NOTHING) instead of a savepoint around it.
MAX_QUERIES = {
    "place": 26,
    "detail": 5,
    "deliver": 19,
    "confirm": 32,
}


@pytest.fixture
def trade(api, make_user):
    buyer, seller = make_user("buyer"), make_user("seller")
    factories.fund(buyer, 1_000_00)
    item = factories.listing(seller, price=10_00)
    buyer_api, seller_api = api(buyer), api(seller)
    # First use opens the accounts and stores the policy version; later requests do not.
    warm = buyer_api.post("/orders", {"listing_id": item.public_id}, headers={"Idempotency-Key": "warm"})
    assert warm.status_code == 201, warm.content
    return buyer_api, seller_api, item


@pytest.fixture
def costs(django_assert_max_num_queries):
    def measure(step: str, call: Callable[[], Any]) -> tuple[Any, int]:
        with django_assert_max_num_queries(MAX_QUERIES[step]), CaptureQueriesContext(connection) as captured:
            response = call()
        return response, sum("core_testclock" in q["sql"] for q in captured.captured_queries)

    return measure


def test_the_money_path_reads_the_test_clock_once_per_request_and_keeps_its_query_counts(trade, costs):
    buyer_api, seller_api, item = trade

    placed, clock_reads = costs(
        "place", lambda: buyer_api.post("/orders", {"listing_id": item.public_id}, headers={"Idempotency-Key": "k1"})
    )
    assert placed.status_code == 201, placed.content
    assert clock_reads == 1
    order_id = placed.json()["id"]

    detail, clock_reads = costs("detail", lambda: buyer_api.get(f"/orders/{order_id}"))
    assert detail.status_code == 200
    assert clock_reads == 1

    delivered, clock_reads = costs(
        "deliver",
        lambda: seller_api.post(f"/orders/{order_id}/deliver", {"note": "KEY"}, headers={"Idempotency-Key": "k2"}),
    )
    assert delivered.status_code == 200, delivered.content
    assert clock_reads == 1

    confirmed, clock_reads = costs(
        "confirm", lambda: buyer_api.post(f"/orders/{order_id}/confirm", {}, headers={"Idempotency-Key": "k3"})
    )
    assert confirmed.status_code == 200, confirmed.content
    assert clock_reads == 1


def test_one_reading_still_sees_the_clock_moved_inside_it(db):
    from datetime import timedelta

    from core import clock

    with clock.one_reading():
        before = clock.now()
        moved = clock.set_test_time(before + timedelta(hours=5))
        assert clock.now() == moved
        with CaptureQueriesContext(connection) as captured:
            assert clock.now() == moved
        assert captured.captured_queries == []
    assert clock.now() == moved


def test_every_request_finds_its_token_and_rate_counter_by_key_without_order_by_or_limit(api, make_user):
    """`first()` compiled an ORDER BY … LIMIT 1 for rows a unique key finds (the token's digest,
    the counter's bucket): ORM work on every API request for nothing."""
    from django.test import override_settings

    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.paid_order(buyer, seller)
    client = api(buyer)
    with override_settings(TEST_CLOCK_ENABLED=False), CaptureQueriesContext(connection) as captured:
        response = client.get(f"/orders/{order.public_id}")
    assert response.status_code == 200 and response["RateLimit-Remaining"]
    sqls = [q["sql"] for q in captured.captured_queries]
    (token,) = [s for s in sqls if 'FROM "accounts_apitoken"' in s]
    (counter,) = [s for s in sqls if 'FROM "core_ratecounter"' in s]
    for sql in (token, counter):
        assert " ORDER BY " not in sql and " LIMIT " not in sql
    assert len(sqls) == MAX_QUERIES["detail"] - 1  # the test clock is off here
    assert api(make_user("stranger")).get(f"/orders/{order.public_id}").status_code == 404
    assert api().get(f"/orders/{order.public_id}").status_code == 401
