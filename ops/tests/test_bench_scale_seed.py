"""The bench's lists-at-scale seed (`bench.scale`) fills every column the models require, in the
shape its docstring promises: one order in five open, one in fifty disputed, one dispute in
five of those escalated and waiting for the administration. (Bulk rows have no escrows, so the
test removes them before the ledger check that follows every test.)"""

from __future__ import annotations

import pytest
from django.db.models import F

from bench import scale
from disputes.models import Dispute
from orders.models import Order

pytestmark = pytest.mark.postgres


def test_the_bulk_seed_inserts_orders_and_disputes_in_their_shape(db):
    people = scale._people()
    scale._insert_orders(people, start=0, stop=1_000)

    orders = Order.objects.filter(public_id__startswith="ord_scale")
    assert orders.count() == 1_000
    assert orders.exclude(status=Order.Status.COMPLETED).count() == 200
    assert orders.filter(status=Order.Status.DISPUTED).count() == 20
    disputes = Dispute.objects.filter(public_id__startswith="dsp_scale")
    assert disputes.count() == 20
    waiting = disputes.filter(status=Dispute.Status.ESCALATED, waiting_on_staff=True)
    assert waiting.count() == 4
    # The staff queue sorts by the stored time: an escalated case waits from its escalation.
    assert not waiting.exclude(staff_waiting_since=F("escalated_at")).exists()
    assert not disputes.exclude(status=Dispute.Status.ESCALATED).exclude(staff_waiting_since=None).exists()
    assert not orders.exclude(metadata={}).exists()
    # The seed writes no escrows or ledger rows (it says so); leave the books as the test found them.
    disputes.delete()
    orders.delete()
