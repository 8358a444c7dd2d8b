"""In-process domain throughput, no HTTP: each action called in a loop for a fixed time on one
thread, the way the API calls it. Money moves are counted as ledger transactions written."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from bench.cast import Cast
from core import clock
from core.money import Money
from disputes import actions as disputes
from disputes import opening
from ledger.models import Transaction
from orders import actions as orders
from orders.models import Order
from payments.actions import deposit
from policy.active import configured_policy

Step = Callable[[int], object]


def _queries(step: Step, i: int) -> dict[str, int]:
    """Runs the step once more and counts its queries; test-clock reads are counted apart
    because a production deployment (test clock off) does not make them."""
    with CaptureQueriesContext(connection) as captured:
        step(i)
    sqls = [q["sql"] for q in captured.captured_queries]
    return {"queries": len(sqls), "test_clock_reads": sum("core_testclock" in sql for sql in sqls)}


def measure(name: str, step: Step, *, seconds: float, limit: int | None = None) -> dict[str, Any]:
    """Calls `step(0)`, `step(1)`... for `seconds` (or `limit` calls) and reports the rate, the
    ledger transactions written per second, and the queries of one more call."""
    moves_before = Transaction.objects.count()
    done = 0
    began = time.perf_counter()
    stop = began + seconds
    while time.perf_counter() < stop and (limit is None or done < limit):
        step(done)
        done += 1
    elapsed = time.perf_counter() - began
    moves = Transaction.objects.count() - moves_before
    row: dict[str, Any] = {
        "name": name,
        "ops": done,
        "seconds": round(elapsed, 2),
        "per_s": done / elapsed,
        "money_moves": moves,
        "money_moves_per_s": moves / elapsed,
        "ms_per_op": elapsed / done * 1000 if done else None,
    }
    return row | _queries(step, done)


def throughput(cast: Cast, *, seconds: float) -> list[dict[str, Any]]:
    rows = [
        measure(
            "deposit",
            lambda i: deposit(by=cast.buyer(i), amount=Money(10_00, "USD")),
            seconds=seconds,
        )
    ]

    placed: list[Order] = []

    def place(i: int) -> None:
        placed.append(orders.place_order(by=cast.buyer(i), listing_id=cast.listing(i).pk))

    rows.append(measure("place order", place, seconds=seconds))

    def lifecycle(i: int) -> None:
        listing = cast.listing(i)
        order = orders.place_order(by=cast.buyer(i), listing_id=listing.pk)
        orders.deliver(order_id=order.pk, by=listing.seller, note="KEY-1234")
        orders.confirm(order_id=order.pk, by=cast.buyer(i))

    rows.append(measure("lifecycle: place, deliver, confirm", lifecycle, seconds=seconds))
    # Production runs without the test clock, whose every reading is a query; the same loop
    # without it shows what those readings cost.
    with override_settings(TEST_CLOCK_ENABLED=False):
        rows.append(measure("lifecycle, test clock off", lifecycle, seconds=seconds))

    # The orders placed above become the disputes: old enough once the clock passes min_order_age.
    clock.set_test_time(clock.now() + configured_policy().min_order_age + timedelta(minutes=1))

    def dispute(i: int) -> None:
        order = placed[i]
        opened = opening.open_dispute(
            order_id=order.pk,
            by=order.buyer,
            reason="incorrect",
            description="The key is for the wrong region.",
            requested_kind="partial_refund",
            refund_amount=order.price_amount // 2,
            accept_terms=True,
        )
        request = opened.proposals.get()
        disputes.accept_proposal(proposal_id=request.pk, by=order.seller)

    rows.append(measure("dispute: open, settle by agreement", dispute, seconds=seconds, limit=len(placed) - 1))
    return rows
