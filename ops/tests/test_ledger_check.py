"""`parley ledger-check` passes on sound books and fails (non-zero) on any breach. A test that
breaks the books on purpose repairs them before it ends: the suite checks every test's books."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F

from ledger.models import Account, Entry
from ops.ledger_check import run_checks
from orders import actions
from orders.models import Order
from testsupport import factories


@pytest.fixture
def market(make_user):
    """Orders in every state the money core knows: paid, delivered, completed, cancelled."""
    buyer, seller = make_user("buyer"), make_user("seller")
    paid = factories.paid_order(buyer, seller, price=10_00)
    delivered = factories.delivered_order(buyer, seller, price=20_00)
    completed = factories.delivered_order(buyer, seller, price=30_00)
    actions.confirm(order_id=completed.pk, by=buyer)
    cancelled = factories.paid_order(buyer, seller, price=40_00)
    actions.cancel(order_id=cancelled.pk, by=seller)
    return {"buyer": buyer, "seller": seller, "paid": paid, "delivered": delivered, "completed": completed}


def _run() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("ledger_check", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _breaches() -> str:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("ledger_check", stdout=out, stderr=err)
    assert exc.value.returncode == 1
    assert "ledger check failed" in str(exc.value)
    return err.getvalue()


def test_sound_books_pass(market):
    out, err = _run()
    assert "ledger check: all invariants hold" in out
    assert "transactions: " in out
    assert err == ""
    assert run_checks().ok


def test_a_cached_balance_that_disagrees_with_its_entries_fails_the_check(market):
    wallet = Account.objects.get(user=market["seller"], kind=Account.Kind.WALLET)
    Account.objects.filter(pk=wallet.pk).update(balance=F("balance") + 7)

    err = _breaches()

    assert f"BREACH: account {wallet.key} caches balance {wallet.balance + 7}" in err
    assert f"its entries sum to {wallet.balance}" in err
    Account.objects.filter(pk=wallet.pk).update(balance=wallet.balance)
    assert run_checks().ok


def test_an_open_orders_escrow_must_hold_its_price_and_fee(market):
    order = market["delivered"]
    escrow = Account.objects.get(key=f"escrow:{order.pk}")
    Account.objects.filter(pk=escrow.pk).update(balance=escrow.balance - 1)

    err = _breaches()

    assert f"open order {order.public_id} does not hold its price and fee in escrow" in err
    Account.objects.filter(pk=escrow.pk).update(balance=escrow.balance)
    assert run_checks().ok


def test_a_finished_order_with_money_left_in_escrow_fails_the_check(market):
    order = market["paid"]
    Order.objects.filter(pk=order.pk).update(status=Order.Status.COMPLETED)

    err = _breaches()

    assert f"order {order.public_id} is completed but its escrow holds {order.total.amount}" in err
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID)
    assert run_checks().ok


@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL's triggers refuse the broken row")
def test_an_unbalanced_entry_written_behind_posts_back_fails_the_check(market):
    wallet = Account.objects.get(user=market["buyer"], kind=Account.Kind.WALLET)
    txn_id = Entry.objects.filter(account=wallet).values_list("transaction_id", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_entry (transaction_id, account_id, amount, currency) VALUES (%s, %s, 5, 'USD')",
            [txn_id, wallet.pk],
        )
        broken = cursor.lastrowid

    err = _breaches()

    assert f"transaction {txn_id} does not balance in USD: sum 5" in err
    assert "all accounts together hold 5 USD instead of 0" in err
    assert f"account {wallet.key} caches balance" in err
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_entry WHERE id = %s", [broken])
    assert run_checks().ok
