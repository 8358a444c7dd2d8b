"""The bench's bulk-seeded deadline storm (`bench.storm_seed`): its copies are delivered orders
the real completion settles exactly once, and the books it writes pass the ledger check before
and after the drain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Count

from bench import storm_seed
from bench.cast import make_cast
from core import clock
from core.models import Deadline
from ledger.checks import problems
from ledger.models import Account, Transaction
from ops import deadlines as engine
from orders import actions
from orders.models import Order
from policy.active import configured_policy

pytestmark = pytest.mark.postgres


def test_bulk_seeded_orders_fall_due_together_and_complete_exactly_once_with_sound_books(db):
    cast = make_cast("seedtest", buyers=3, sellers=4)
    ids = storm_seed.delivered_orders(cast, 12)

    assert len(set(ids)) == 12
    orders = Order.objects.filter(pk__in=ids)
    assert set(orders.values_list("status", flat=True)) == {Order.Status.DELIVERED}
    assert orders.values("seller_id").distinct().count() == 4
    assert orders.values("buyer_id").distinct().count() == 3
    for order in orders:
        assert Account.objects.get(key=f"escrow:{order.pk}").balance == order.price_amount + order.fee_amount
    due = Deadline.objects.filter(status=Deadline.Status.PENDING, subject_id__in=ids)
    assert set(due.values_list("kind", flat=True)) == {actions.AUTO_COMPLETE}
    assert due.count() == 12 and due.values("due_at").distinct().count() == 1
    assert problems() == []

    clock.set_test_time(clock.now() + configured_policy().guarantee_window + timedelta(hours=1))
    while engine.run_batch().claimed:
        pass

    assert set(orders.values_list("status", flat=True)) == {Order.Status.COMPLETED}
    settled = (
        Transaction.objects.filter(kind=Transaction.Kind.ORDER_SETTLED, order_id__in=ids)
        .values("order_id")
        .annotate(n=Count("id"))
    )
    assert {row["order_id"]: row["n"] for row in settled} == dict.fromkeys(ids, 1)
    assert set(
        due.model.objects.filter(subject_id__in=ids, kind=actions.AUTO_COMPLETE).values_list("status", flat=True)
    ) == {Deadline.Status.DONE}
    assert problems() == []
