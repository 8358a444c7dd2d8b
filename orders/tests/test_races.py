"""Races on PostgreSQL (T6 in the reliability notes): many connections act on the same money at
the same instant, released together by a barrier. Exactly one wins; every loser gets a
DomainError (a 409 in the API), never another exception; no wallet ever goes below zero."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from core import clock
from core.errors import DomainError
from core.models import AuditEvent, Deadline
from ledger import queries as ledger
from ledger.models import Account, Transaction
from ops import deadlines as engine
from ops.ledger_check import run_checks
from orders import actions
from orders.models import Order
from testsupport import factories

pytestmark = pytest.mark.postgres


@dataclass
class Outcomes:
    won: list[Any] = field(default_factory=list)
    refused: list[DomainError] = field(default_factory=list)
    crashed: list[BaseException] = field(default_factory=list)


def race(*calls: Callable[[], Any]) -> Outcomes:
    """Runs each call in its own thread and database connection, all released at once."""
    barrier = threading.Barrier(len(calls))
    outcomes = Outcomes()
    lock = threading.Lock()

    def run(call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            result = call()
        except DomainError as refusal:
            with lock:
                outcomes.refused.append(refusal)
        except BaseException as exc:
            with lock:
                outcomes.crashed.append(exc)
        else:
            with lock:
                outcomes.won.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a racing thread hung"
    return outcomes


def settlements(order: Order) -> int:
    return Transaction.objects.filter(order=order, kind=Transaction.Kind.ORDER_SETTLED).count()


@pytest.fixture
def people(transactional_db, make_user):
    return make_user("buyer"), make_user("seller")


def test_twenty_simultaneous_confirmations_settle_once(people):
    buyer, seller = people
    order = factories.delivered_order(buyer, seller, price=30_00)

    outcomes = race(*[lambda: actions.confirm(order_id=order.pk, by=buyer)] * 20)

    assert outcomes.crashed == []
    assert len(outcomes.won) == 1
    assert len(outcomes.refused) == 19
    assert {r.code for r in outcomes.refused} == {"not_allowed_in_state"}
    assert settlements(order) == 1
    assert ledger.wallet_balance(seller, "USD").amount == 30_00
    assert ledger.escrow_balance(order.pk) == 0
    assert AuditEvent.objects.filter(code="order.confirmed", case_id=order.pk).count() == 1
    assert run_checks().ok


def test_confirmation_racing_the_guarantee_window_pays_once(people):
    buyer, seller = people
    start = clock.now()
    orders = []
    for i in range(6):  # a minute apart, so each race has exactly one deadline falling due
        clock.set_test_time(start + timedelta(minutes=i))
        orders.append(factories.delivered_order(buyer, seller, price=10_00 + i))
    clock.set_test_time(start + timedelta(hours=61))
    engine.run_due()  # the reminders, so only the completions are left to race

    for i, order in enumerate(orders):
        clock.set_test_time(order.delivered_at + timedelta(hours=72))
        contenders = [lambda order=order: actions.confirm(order_id=order.pk, by=buyer), engine.run_one]
        outcomes = race(*(contenders if i % 2 else reversed(contenders)))  # either may start first

        assert outcomes.crashed == []
        assert settlements(order) == 1
        deadline = Deadline.objects.get(kind=actions.AUTO_COMPLETE, subject_id=order.pk)
        confirmed = AuditEvent.objects.filter(code="order.confirmed", case_id=order.pk).exists()
        completed = AuditEvent.objects.filter(code="order.auto_completed", case_id=order.pk).exists()
        assert confirmed != completed, "exactly one of the two ended the order"
        if confirmed:
            # The worker either found the order settled (moot) or the deadline withdrawn.
            assert deadline.status in (Deadline.Status.MOOT, Deadline.Status.CANCELLED)
            assert [r.code for r in outcomes.refused] == []
        else:
            assert deadline.status == Deadline.Status.DONE
            assert [r.code for r in outcomes.refused] == ["not_allowed_in_state"]

    assert ledger.wallet_balance(seller, "USD").amount == sum(o.price_amount for o in orders)
    assert run_checks().ok


def test_ten_orders_from_a_wallet_that_covers_one(people):
    buyer, seller = people
    items = [factories.listing(seller, price=40_00, title=f"Key {i}") for i in range(10)]
    factories.fund(buyer, 42_00 + 41_99)  # one order (42.00 with its fee) and not quite another
    sampled_balances: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        # Reads the wallet while the race runs: it must never be seen below zero.
        try:
            while not stop.is_set():
                sampled_balances.append(Account.objects.get(user=buyer, kind=Account.Kind.WALLET).balance)
        finally:
            connection.close()

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        outcomes = race(*[lambda item=item: actions.place_order(by=buyer, listing_id=item.pk) for item in items])
    finally:
        stop.set()
        watcher.join(timeout=30)

    assert outcomes.crashed == []
    assert len(outcomes.won) == 1
    assert [r.code for r in outcomes.refused] == ["insufficient_funds"] * 9
    assert Order.objects.count() == 1
    assert Account.objects.filter(kind=Account.Kind.ESCROW).count() == 1
    assert ledger.wallet_balance(buyer, "USD").amount == 41_99
    assert sampled_balances and min(sampled_balances) >= 0
    assert run_checks().ok
