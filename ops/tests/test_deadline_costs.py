"""What a storm of completions costs the worker in queries, pinned so a change that adds a
query per deadline shows up here: ten delivered orders of one seller whose guarantee windows
end together, drained in one batch (each order: its guarantee reminder, then its completion)."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import clock
from core.models import Deadline
from ledger.models import Transaction
from ops import deadlines as engine
from orders.models import Order
from testsupport import factories

ORDERS = 10
# Per deadline applied, with the test clock on (one reading per batch). Before the settlement's
# accounts were found in one query and webhook endpoints read once per transaction: 17.55
# (PostgreSQL; 15.05 after). Then 15.55, before: a reminder's e-mail names the order it read
# (`notify(about=)`), the order's other deadlines are withdrawn by one UPDATE, and the
# settlement's unique key is decided by its INSERT (ON CONFLICT DO NOTHING), not a savepoint.
# 13.5, before: the completion runs in the deadline's own savepoint, without a second one of
# its own (SAVEPOINT and RELEASE, -2 per completion). 12.5, before: the settlement's escrow and
# seller account found and locked in one query, the platform's fee account read once a batch.
# 12.15, before: the completion's two events (settled, auto-completed) written in one INSERT and
# their stored webhook copies in another (`audit.record_many`), -2 per completion.
MAX_QUERIES_PER_DEADLINE = 11.2  # 11.15 seen on SQLite and PostgreSQL


def test_a_batch_of_completions_costs_a_bounded_number_of_queries_per_deadline(db, make_user):
    buyer, seller = make_user("buyer"), make_user("seller")
    factories.fund(buyer, 1_000_00)
    ids = [factories.delivered_order(buyer, seller).pk for _ in range(ORDERS)]
    clock.set_test_time(clock.now() + timedelta(days=30))

    with CaptureQueriesContext(connection) as captured:
        batch = engine.run_batch()

    assert len(batch.applied) == 2 * ORDERS
    per_deadline = len(captured.captured_queries) / len(batch.applied)
    assert per_deadline <= MAX_QUERIES_PER_DEADLINE
    assert set(Order.objects.filter(pk__in=ids).values_list("status", flat=True)) == {Order.Status.COMPLETED}
    assert Transaction.objects.filter(order_id__in=ids, kind=Transaction.Kind.ORDER_SETTLED).count() == ORDERS
    assert Deadline.objects.filter(subject_id__in=ids, kind="order.auto_complete", status="done").count() == ORDERS
