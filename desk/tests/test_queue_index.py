"""The staff queue's disputes are found through the partial index made for them
(`dispute_staff_inbox`), not by reading every dispute: its condition must be one the queue's
own filter implies, or PostgreSQL cannot use it at all."""

from __future__ import annotations

import pytest
from django.db import connection

from core import clock
from desk import queries as inbox

pytestmark = pytest.mark.postgres


def test_the_queue_can_read_its_disputes_from_the_partial_index(db, make_user):
    staff = make_user("desk", staff=True)
    rows = inbox._dispute_rows(inbox.Filters(viewer=staff), clock.now())
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # the table is tiny here: ask whether it *can*
        cursor.execute("EXPLAIN (COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "dispute_staff_inbox" in plan, plan
    assert "Seq Scan on disputes_dispute" not in plan, plan
