"""The staff queue's disputes are found through the partial index made for them
(`dispute_staff_inbox`), not by reading every dispute: its condition must be one the queue's
own filter implies, or PostgreSQL cannot use it at all. Its key is the queue's order (the
decision target, else the stored `staff_waiting_since`; then the id), so a page is the index's
first rows, read in order and stopped at the page's end, not every waiting case sorted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench import scale
from core import clock
from desk import queries as inbox
from disputes.models import Dispute
from orders.models import Order

pytestmark = pytest.mark.postgres


def plan_of(rows, *, sort: bool = True) -> str:
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here: ask whether it *can*
        if not sort:
            cursor.execute("SET LOCAL enable_sort = off")  # ... and whether it can without sorting
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_queue_can_read_its_disputes_from_the_partial_index(db, make_user):
    staff = make_user("desk", staff=True)
    plan = plan_of(inbox._dispute_rows(inbox.Filters(viewer=staff), clock.now()))

    assert "dispute_staff_inbox" in plan, plan
    assert "Seq Scan on disputes_dispute" not in plan, plan


def test_a_page_of_the_queue_walks_the_index_in_order_and_stops(db, make_user):
    """The first page (as the web inbox reads it) and a page after a cursor (as
    `GET /staff/queue` does): an index scan in the queue's order under the LIMIT, no sort of
    the waiting cases. Without the stored key the planner has to sort (and could not avoid it)."""
    staff = make_user("desk", staff=True)
    now = clock.now()
    first = inbox._dispute_rows(inbox.Filters(viewer=staff), now)[: inbox.PAGE_SIZE]
    position = inbox.Position(due_at=now - timedelta(days=1), rank=inbox.RANK["dispute"], pk=7)
    later = inbox._dispute_rows(inbox.Filters(viewer=staff), now, position)[:21]

    for rows in (first, later):
        plan = plan_of(rows, sort=False)
        assert plan.startswith("Limit"), plan
        assert "Index Scan using dispute_staff_inbox on disputes_dispute" in plan, plan
        assert "Sort" not in plan, plan


def test_counting_the_queue_reads_no_order_of_the_cases_it_counts(db, make_user):
    """The page shows how many cases wait: the viewer's own cases are left out by the ids of
    the viewer's orders (a few), not by joining each waiting case to its order."""
    staff = make_user("desk", staff=True)
    rows = inbox._dispute_rows(inbox.Filters(viewer=staff), clock.now())
    with CaptureQueriesContext(connection) as counted:
        rows.count()
    (query,) = counted.captured_queries
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN (COSTS OFF) " + query["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "dispute_staff_inbox" in plan, plan
    assert "orders_order_pkey" not in plan, plan
    assert "Join" not in plan and "Nested Loop" not in plan, plan


def test_the_planner_counts_the_waiting_cases_right(db):
    """Almost every escalated case waits for the administration: the two columns go together.
    Estimated as independent they looked a fifth as many (and PostgreSQL joined and sorted them
    instead of walking the index); the joint statistics of migration 0011 count them right."""
    people = scale._people()
    scale._insert_orders(people, start=0, stop=5_000)  # 100 disputes, 20 escalated and waiting
    waiting = Dispute.objects.filter(
        status__in=(Dispute.Status.ESCALATED, Dispute.Status.APPEALED), waiting_on_staff=True
    )
    sql, params = waiting.query.sql_with_params()
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE disputes_dispute")
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
        assert waiting.count() == 20
        assert estimate == 20
    finally:  # the seed writes no escrows or ledger rows: leave the books as the test found them
        Dispute.objects.filter(public_id__startswith="dsp_scale").delete()
        Order.objects.filter(public_id__startswith="ord_scale").delete()
