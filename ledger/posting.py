"""`post()`: the only way money moves. Balanced, append-only, under row locks."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
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
) -> Transaction:
    """Writes one balanced transaction and moves the cached balances.

    Must run inside the caller's transaction. Locks the touched wallets and escrows in id order
    (the accounts that must never go below zero, whose balance is cached); the platform's and
    the provider's accounts are not locked or cached, so settlements and deposits never queue
    behind one hot row. Refuses (with nothing written) an unbalanced transaction, a zero leg, a
    currency mismatch, a wallet or escrow going below zero, and a second transaction with the
    same `unique_key`."""
    _check_balanced(legs)
    guarded = [leg.account.pk for leg in legs if not leg.account.may_go_negative]
    accounts = locking.lock(Account, guarded)
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        if leg.account.pk in accounts:
            deltas[leg.account.pk] += leg.money.amount
    for account_id, delta in deltas.items():
        account = accounts[account_id]
        if account.balance + delta < 0:
            raise InsufficientFunds(_SHORT.get(account.kind, "The account does not hold enough for this."))
    try:
        with transaction.atomic():
            txn = Transaction.objects.create(
                kind=kind, order_id=order_id, memo=memo[:200], unique_key=unique_key, created_at=clock.now()
            )
    except IntegrityError:
        raise AlreadyPosted(_("This money movement has already been made.")) from None
    Entry.objects.bulk_create(
        Entry(transaction=txn, account_id=leg.account.pk, amount=leg.money.amount, currency=leg.money.currency)
        for leg in legs
    )
    for account_id, delta in deltas.items():
        account = accounts[account_id]
        account.balance += delta
        account.save(update_fields=["balance"])
    return txn


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
