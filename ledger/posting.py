"""`post()`: the only way money moves. Balanced, append-only, under row locks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import BigIntegerField, Case, Value, When
from django.utils.translation import gettext as _

from core import clock, locking
from core.errors import Conflict
from core.money import Money
from ledger.models import Account, Entry, Transaction


class Unbalanced(ValueError):
    """A transaction whose legs do not sum to zero per currency. A programming error."""


class InsufficientFunds(Conflict):
    default_code = "insufficient_funds"


class AlreadyPosted(Conflict):
    """A transaction with this unique key exists: the movement happened already."""

    default_code = "already_settled"


_SHORT: dict[str, str] = {
    Account.Kind.WALLET: "There is not enough money in the wallet.",
    Account.Kind.ESCROW: "The escrow does not hold enough for this.",
    Account.Kind.HELD: "The held proceeds do not hold enough for this.",
    Account.Kind.WITHDRAWING: "The pending withdrawals do not hold enough for this.",
}


@dataclass(frozen=True, slots=True)
class Leg:
    account: Account
    money: Money  # positive: into the account; negative: out of it


def post(
    *,
    kind: str,
    legs: Sequence[Leg],
    order_id: int | None = None,
    memo: str = "",
    unique_key: str | None = None,
    locked: Sequence[Account] = (),
) -> Transaction:
    """Writes one balanced transaction and moves the cached balances.

    Must run inside the caller's transaction. Locks the touched wallets and escrows in id order
    (the accounts that must never go below zero, whose balance is cached); the platform's and
    the provider's accounts are not locked or cached, so settlements and deposits never queue
    behind one hot row. Refuses (with nothing written) an unbalanced transaction, a zero leg, a
    currency mismatch, a wallet or escrow going below zero, and a second transaction with the
    same `unique_key`.

    `locked`: accounts the caller has already locked (or opened) in this same transaction, as
    read under that lock; they are not read again. Every other guarded account is locked here."""
    _check_balanced(legs)
    accounts = {account.pk: account for account in locked}
    guarded = [leg.account.pk for leg in legs if not leg.account.may_go_negative and leg.account.pk not in accounts]
    if guarded:
        accounts |= locking.lock(Account, guarded)
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        if leg.account.pk in accounts:
            deltas[leg.account.pk] += leg.money.amount
    for account_id, delta in deltas.items():
        account = accounts[account_id]
        if account.balance + delta < 0:
            raise InsufficientFunds(_SHORT.get(account.kind, "The account does not hold enough for this."))
    fields = {"kind": kind, "order_id": order_id, "memo": memo[:200], "unique_key": unique_key}
    if unique_key is None:  # nothing it could collide with
        txn = Transaction.objects.create(**fields, created_at=clock.now())
    else:
        txn = Transaction(**fields, created_at=clock.now())
        if not _insert_unless_key_taken(txn):
            raise AlreadyPosted(_("This money movement has already been made."))
    Entry.objects.bulk_create(
        Entry(transaction=txn, account_id=leg.account.pk, amount=leg.money.amount, currency=leg.money.currency)
        for leg in legs
    )
    moved = {account_id: delta for account_id, delta in deltas.items() if delta}
    for account_id, delta in moved.items():
        accounts[account_id].balance += delta
    if moved:  # one UPDATE for every cached balance, each set to what it is now under the lock
        Account.objects.filter(pk__in=moved).update(
            balance=Case(
                *(When(pk=pk, then=Value(accounts[pk].balance)) for pk in moved), output_field=BigIntegerField()
            )
        )
    return txn


def _insert_unless_key_taken(txn: Transaction) -> bool:
    """Inserts the transaction row unless one with its unique key exists; False, with nothing
    written, when it does. The key is decided by the INSERT itself (`ON CONFLICT (unique_key)
    DO NOTHING`), so no savepoint is needed to survive the collision. On PostgreSQL an INSERT
    racing a concurrent one with the same key waits for it, as a plain INSERT would, and then
    writes nothing if that one committed."""
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = [field for field in Transaction._meta.concrete_fields if not field.primary_key]
    values = [field.get_db_prep_save(field.pre_save(txn, add=True), connection) for field in fields]
    key, pk = Transaction._meta.get_field("unique_key"), Transaction._meta.pk
    assert pk is not None
    # Only the model's own table and column names are spliced in; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(Transaction._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({quote(key.column)}) DO NOTHING RETURNING {quote(pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    txn.pk = row[0]
    txn._state.adding = False
    txn._state.db = connection.alias
    return True


def _check_balanced(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise Unbalanced("a transaction needs at least two legs")
    sums: dict[str, int] = defaultdict(int)
    for leg in legs:
        if leg.money.amount == 0:
            raise Unbalanced("a leg of zero moves nothing; leave it out")
        if leg.money.currency != leg.account.currency:
            raise Unbalanced(f"{leg.money.currency} leg on a {leg.account.currency} account {leg.account.key}")
        sums[leg.money.currency] += leg.money.amount
    unbalanced = {c: s for c, s in sums.items() if s != 0}
    if unbalanced:
        raise Unbalanced(f"legs do not sum to zero: {unbalanced}")
