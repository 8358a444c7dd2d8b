"""On PostgreSQL the ledger is guarded below the application (migration 0002): entries and
transactions cannot be updated or deleted even with raw SQL, and a transaction whose entries
do not sum to zero cannot commit."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from ledger.models import Entry, Transaction
from testsupport import factories

pytestmark = pytest.mark.postgres


class _RollBack(Exception):
    pass


@pytest.fixture
def entry(make_user):
    factories.fund(make_user(), 10_00)
    return Entry.objects.select_related("transaction").first()


def _execute_alone(sql: str, params: object) -> None:
    """Runs one statement in its own savepoint, so a refusal leaves the test's transaction usable."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET amount = amount + 1 WHERE id = %(entry)s",
        "DELETE FROM ledger_entry WHERE id = %(entry)s",
        "UPDATE ledger_transaction SET memo = 'edited' WHERE id = %(txn)s",
        "DELETE FROM ledger_transaction WHERE id = %(txn)s",
    ],
)
def test_raw_sql_cannot_change_or_remove_ledger_rows(entry, sql):
    with pytest.raises(DatabaseError, match="ledger rows are immutable"):
        _execute_alone(sql, {"entry": entry.pk, "txn": entry.transaction_id})
    assert Entry.objects.filter(pk=entry.pk, amount=entry.amount).exists()
    assert Transaction.objects.filter(pk=entry.transaction_id, memo=entry.transaction.memo).exists()


def _raw_transaction(legs: list[tuple[int, int]], *, keep: bool) -> None:
    """Writes a transaction and its entries with raw SQL, one statement per entry, then asks
    PostgreSQL to run the deferred balance check now (what COMMIT would do). Never keeps the
    rows unless asked: they would bypass the cached balances."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_transaction (public_id, kind, memo, created_at) "
            "VALUES ('txn_raw_sql_test', 'deposit', 'raw', now()) RETURNING id"
        )
        txn_id = cursor.fetchone()[0]
        for account_id, amount in legs:
            cursor.execute(
                "INSERT INTO ledger_entry (transaction_id, account_id, amount, currency) VALUES (%s, %s, %s, 'USD')",
                [txn_id, account_id, amount],
            )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if not keep:
            raise _RollBack


def test_an_unbalanced_transaction_inserted_with_raw_sql_cannot_commit(entry):
    entries_before = Entry.objects.count()
    with pytest.raises(DatabaseError, match="does not balance in USD: sum 100"):
        _raw_transaction([(entry.account_id, 100)], keep=True)
    assert Entry.objects.count() == entries_before


def test_the_balance_check_is_deferred_to_the_end_of_the_transaction(entry):
    # Legs written one statement at a time are fine as long as they balance at commit.
    other = Entry.objects.exclude(account_id=entry.account_id).first()
    with pytest.raises(_RollBack):
        _raw_transaction([(entry.account_id, 100), (other.account_id, -100)], keep=False)
