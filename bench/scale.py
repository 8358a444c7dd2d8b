"""The lists at scale (PostgreSQL only): the order list, the dispute list and the staff queue,
timed at each size of the orders table, with `EXPLAIN ANALYZE` of each list's main query.

The rows are seeded with bulk inserts, NOT through the actions: `INSERT ... SELECT` over
`generate_series` in batches, straight into the tables, for speed (a million orders through the
actions would take hours here). So they have no ledger entries, audit events or deadlines, and
this phase runs after the last ledger check. Shape, per size N: 200 buyers and 200 sellers with a
listing each; one order in five is open (paid, delivered or disputed) and the rest completed;
one order in fifty is disputed, and one dispute in five of those is escalated and waiting for
the administration (since its escalation: no questions asked). Sizes grow in place: the rows of
10,000 are part of the million."""

from __future__ import annotations

import time
from typing import Any

from django.db import connection, transaction
from django.test import Client
from django.test.utils import override_settings

from accounts.actions import issue_token
from accounts.models import User
from catalog.models import Listing
from core import clock
from desk import queries as inbox
from policy.active import current_version

PEOPLE = 200
BATCH = 200_000
REQUESTS = 30  # per list and size; p95 of 30 is the second slowest


def _people() -> dict[str, Any]:
    now = clock.now()
    users = User.objects.bulk_create(
        [User(username=f"scale-buyer{i}", email="", password="!") for i in range(PEOPLE)]
        + [User(username=f"scale-seller{i}", email="", password="!") for i in range(PEOPLE)]
    )
    buyers, sellers = users[:PEOPLE], users[PEOPLE:]
    Listing.objects.bulk_create(
        Listing(
            seller=seller,
            title=f"Scale item {i}",
            description="Seeded in bulk.",
            kind="product",
            price_amount=10_00,
            currency="USD",
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        for i, seller in enumerate(sellers)
    )
    staff = User.objects.create_user(username="scale-staff", email="", password=None, is_staff=True)
    return {
        "buyer": buyers[0],
        "buyer_ids": [u.pk for u in buyers],
        "seller_ids": [u.pk for u in sellers],
        "staff": staff,
    }


def _insert_orders(people: dict[str, Any], *, start: int, stop: int) -> None:
    """Orders number start+1 .. stop (g), with their disputes, in batches of BATCH."""
    policy_id = current_version().pk
    now = clock.now()
    for low in range(start, stop, BATCH):
        high = min(stop, low + BATCH)
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                """
                INSERT INTO orders_order (public_id, buyer_id, seller_id, listing_id, listing_snapshot, kind,
                    currency, price_amount, fee_amount, policy_version_id, status, placed_at, delivered_at,
                    completed_at, delivery_note, metadata)
                SELECT 'ord_scale' || g, b.ids[1 + (g / 11) %% %(n)s], s.ids[1 + (g / 7) %% %(n)s],
                    l.ids[1 + (g / 7) %% %(n)s],
                    '{"title": "Scale item"}'::jsonb, 'product', 'USD', 1000, 50, %(policy)s,
                    CASE WHEN g %% 50 = 0 THEN 'disputed' WHEN g %% 5 = 0 THEN
                        (CASE WHEN g %% 2 = 0 THEN 'delivered' ELSE 'paid' END) ELSE 'completed' END,
                    %(now)s - make_interval(secs => %(stop)s - g), NULL, NULL, '', '{}'::jsonb
                FROM generate_series(%(low)s + 1, %(high)s) AS g,
                    (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user WHERE id = ANY(%(buyers)s)) AS b,
                    (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_user WHERE id = ANY(%(sellers)s)) AS s,
                    (SELECT array_agg(l.id ORDER BY l.seller_id) AS ids FROM catalog_listing l
                        WHERE l.seller_id = ANY(%(sellers)s)) AS l
                """,
                {
                    "n": PEOPLE,
                    "policy": policy_id,
                    "now": now,
                    "stop": 10_000_000,
                    "low": low,
                    "high": high,
                    "buyers": people["buyer_ids"],
                    "sellers": people["seller_ids"],
                },
            )
            cur.execute(
                """
                INSERT INTO disputes_dispute (public_id, order_id, reason, description, requested_outcome, status,
                    opened_at, terms_accepted_at, escalated_at, escalated_by, waiting_on_buyer, waiting_on_seller,
                    waiting_on_staff, redelivery_note, outcome, decided_by, resolution_note, seller_error,
                    metadata, findings, decision_accepted_by, appealed_by, appeal_reason, staff_waiting_since)
                SELECT 'dsp_scale' || substr(o.public_id, 10), o.id, 'incorrect', 'Seeded in bulk.',
                    '{"kind": "full_refund"}'::jsonb,
                    CASE WHEN substr(o.public_id, 10)::bigint %% 250 = 0 THEN 'escalated' ELSE 'awaiting_seller' END,
                    o.placed_at, o.placed_at,
                    CASE WHEN substr(o.public_id, 10)::bigint %% 250 = 0 THEN o.placed_at END,
                    CASE WHEN substr(o.public_id, 10)::bigint %% 250 = 0 THEN 'buyer' ELSE '' END,
                    false, substr(o.public_id, 10)::bigint %% 250 <> 0, substr(o.public_id, 10)::bigint %% 250 = 0,
                    '', '', '', '', false, '{}'::jsonb, '[]'::jsonb, '[]'::jsonb, '', '',
                    CASE WHEN substr(o.public_id, 10)::bigint %% 250 = 0 THEN o.placed_at END
                FROM orders_order o
                WHERE o.public_id LIKE 'ord_scale%%' AND o.status = 'disputed'
                    AND substr(o.public_id, 10)::bigint > %(low)s AND substr(o.public_id, 10)::bigint <= %(high)s
                """,
                {"low": low, "high": high},
            )
    with connection.cursor() as cur:
        # Every table the lists read, as autovacuum would have by the time a marketplace had this
        # many orders. With the people's statistics left as the HTTP phase made them, one run's
        # planner drove the dispute list from the people: 73 ms of SQL at a million, 2-4 in others.
        cur.execute("ANALYZE")


class _Recorder:
    """Keeps each query's SQL (parameters inlined by the driver) and how long it took."""

    def __init__(self) -> None:
        self.queries: list[tuple[float, str, Any]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append((time.perf_counter() - began, sql, params))

    def main_query(self) -> tuple[str, Any] | None:
        """The list's own query: the slowest SELECT of the call (auth and clock reads are quick)."""
        selects = [q for q in self.queries if q[1].lstrip().upper().startswith("SELECT")]
        if not selects:
            return None
        _, sql, params = max(selects, key=lambda q: q[0])
        return sql, params


def _explain(sql: str, params: Any) -> str:
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cur.fetchall())


def _time(name: str, call: Any, *, orders: int) -> dict[str, Any]:
    call()  # warm the caches and the connection
    recorder = _Recorder()
    with connection.execute_wrapper(recorder):
        call()
    latencies = []
    for _ in range(REQUESTS):
        began = time.perf_counter()
        call()
        latencies.append((time.perf_counter() - began) * 1000)
    latencies.sort()
    main = recorder.main_query()
    return {
        "list": name,
        "orders": orders,
        "open": orders // 5,
        "requests": REQUESTS,
        "p50_ms": latencies[len(latencies) // 2],
        "p95_ms": latencies[min(len(latencies) - 1, round(0.95 * len(latencies)) - 1)],
        "queries": len(recorder.queries),
        "plan": _explain(*main) if main else "",
    }


def _measure(people: dict[str, Any], *, orders: int) -> list[dict[str, Any]]:
    client = Client(HTTP_HOST="127.0.0.1")
    buyer_auth = {"Authorization": f"Bearer {issue_token(user=people['buyer'], label='scale')}"}
    staff_auth = {"Authorization": f"Bearer {issue_token(user=people['staff'], label='scale', second_factor=True)}"}

    def get(path: str, headers: dict[str, str]) -> Any:
        def call() -> None:
            response = client.get(path, headers=headers)
            if response.status_code != 200:
                raise AssertionError(f"{path}: {response.status_code} {response.content[:300]!r}")

        return call

    def staff_queue() -> None:
        page = inbox.page(inbox.Filters.from_query({}, viewer=people["staff"]), now=clock.now())
        assert page.items is not None

    lists = {
        "order list (buyer, GET /orders)": get("/api/v1/orders", buyer_auth),
        "order list (buyer, ?status=delivered)": get("/api/v1/orders?status=delivered", buyer_auth),
        "dispute list (buyer, GET /disputes)": get("/api/v1/disputes", buyer_auth),
        "dispute list (staff, ?tab=escalated)": get("/api/v1/disputes?tab=escalated", staff_auth),
        "staff queue (web inbox, first page)": staff_queue,
    }
    with override_settings(TEST_CLOCK_ENABLED=False):  # as production: no clock reads
        return [_time(name, call, orders=orders) for name, call in lists.items()]


def lists_at_scale(*, sizes: list[int]) -> dict[str, Any]:
    if connection.vendor != "postgresql":
        return {"skipped": "the lists at scale run on PostgreSQL only", "rows": [], "seed": []}
    people = _people()
    rows: list[dict[str, Any]] = []
    seeded: list[dict[str, Any]] = []
    have = 0
    for size in sorted(sizes):
        began = time.perf_counter()
        _insert_orders(people, start=have, stop=size)
        seeded.append({"orders": size, "added": size - have, "seconds": round(time.perf_counter() - began, 1)})
        have = size
        rows += _measure(people, orders=size)
    return {"rows": rows, "seed": seeded}
