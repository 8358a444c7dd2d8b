"""Batches of deadlines on PostgreSQL: a batch that cannot get a lock another transaction holds
leaves that deadline pending, untouched, instead of waiting in a circle or counting a failure."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from core import clock
from core.models import Deadline
from ledger import accounts
from ledger.models import Account, Transaction
from ops import deadlines as engine
from orders import actions
from orders.models import Order
from testsupport import factories

pytestmark = pytest.mark.postgres


def _hold_lock_on(account_id: int, *, held: threading.Event, release: threading.Event) -> threading.Thread:
    def hold() -> None:
        try:
            with transaction.atomic():
                Account.objects.select_for_update().get(pk=account_id)
                held.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=hold)
    thread.start()
    return thread


def test_a_deadline_whose_locks_are_held_elsewhere_is_left_pending_for_the_next_round(transactional_db, make_user):
    buyer, first_seller, second_seller = make_user("buyer"), make_user("seller1"), make_user("seller2")
    start = clock.now()
    first = factories.delivered_order(buyer, first_seller)
    clock.set_test_time(start + timedelta(minutes=1))
    second = factories.delivered_order(buyer, second_seller)
    clock.set_test_time(start + timedelta(hours=61))
    engine.run_due()  # the reminders
    clock.set_test_time(start + timedelta(hours=73))
    with transaction.atomic():
        wallet = accounts.wallet(second_seller, "USD")  # opened now, so there is a row to hold

    held, release = threading.Event(), threading.Event()
    holder = _hold_lock_on(wallet.pk, held=held, release=release)
    try:
        assert held.wait(timeout=10)
        batch = engine.run_batch()
    finally:
        release.set()
        holder.join(timeout=30)

    # The first completion went through; the second waited LOCK_WAIT for the wallet and gave way.
    assert (len(batch.applied), batch.deferred) == (1, 1)
    assert Order.objects.get(pk=first.pk).status == Order.Status.COMPLETED
    assert Order.objects.get(pk=second.pk).status == Order.Status.DELIVERED
    left = Deadline.objects.get(kind=actions.AUTO_COMPLETE, subject_id=second.pk)
    assert (left.status, left.attempts, left.last_error, left.fired_at) == (Deadline.Status.PENDING, 0, "", None)

    assert engine.run_due() == 1  # the next round, with the wallet free
    assert Order.objects.get(pk=second.pk).status == Order.Status.COMPLETED
    assert Transaction.objects.filter(kind=Transaction.Kind.ORDER_SETTLED).count() == 2
