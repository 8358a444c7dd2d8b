"""The ledger's own invariants, verified over the whole database (`parley ledger-check`)."""

from __future__ import annotations

from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Coalesce

from ledger.models import CACHED_KINDS, Account, Entry, Hold, Transaction


def problems() -> list[str]:
    """Every breach of the ledger's invariants, as readable sentences; empty when sound."""
    found: list[str] = []
    unbalanced = (
        Entry.objects.values("transaction_id", "currency")
        .annotate(total=Sum("amount"))
        .exclude(total=0)
        .order_by("transaction_id")[:50]
    )
    found += [
        f"transaction {row['transaction_id']} does not balance in {row['currency']}: sum {row['total']}"
        for row in unbalanced
    ]
    thin = Transaction.objects.annotate(n=Count("entries")).filter(n__lt=2).values_list("id", flat=True)[:50]
    found += [f"transaction {tid} has fewer than two entries" for tid in thin]
    totals = Entry.objects.values("currency").annotate(total=Sum("amount")).exclude(total=0).order_by("currency")
    found += [f"all accounts together hold {row['total']} {row['currency']} instead of 0" for row in totals]
    mismatched = (
        Account.objects.filter(kind__in=CACHED_KINDS)
        .annotate(summed=Coalesce(Sum("entries__amount"), Value(0)))
        .exclude(balance=F("summed"))
        .values("key", "balance", "summed")[:50]
    )
    found += [
        f"account {row['key']} caches balance {row['balance']} but its entries sum to {row['summed']}"
        for row in mismatched
    ]
    negative = Account.objects.filter(kind__in=CACHED_KINDS, balance__lt=0)
    found += [f"account {a.key} is below zero: {a.balance}" for a in negative[:50]]
    wrong_currency = Entry.objects.exclude(currency=F("account__currency")).values_list("id", flat=True)[:50]
    found += [f"entry {eid} is in another currency than its account" for eid in wrong_currency]
    found += _holds() + _receivables()
    return found


def _per_user(kind: str) -> dict[tuple[int, str], int]:
    rows = Account.objects.filter(kind=kind).values_list("user_id", "currency", "balance")
    return {(uid, cur): bal for uid, cur, bal in rows}


def _holds() -> list[str]:
    """Held proceeds equal the open holds, user by user; every hold ended is ended once."""
    found: list[str] = []
    open_sums: dict[tuple[int, str], int] = {}
    for row in (
        Hold.objects.filter(status__in=Hold.OPEN_STATUSES).values("user_id", "currency").annotate(total=Sum("amount"))
    ):
        open_sums[(row["user_id"], row["currency"])] = row["total"]
    held = _per_user(Account.Kind.HELD)
    for key in sorted(set(open_sums) | set(held)):
        if open_sums.get(key, 0) != held.get(key, 0):
            found.append(
                f"user {key[0]} has {held.get(key, 0)} {key[1]} in held proceeds "
                f"but open holds of {open_sums.get(key, 0)}"
            )
    releases = (
        Transaction.objects.filter(kind__in=[Transaction.Kind.HOLD_RELEASED, Transaction.Kind.WARRANTY_SETTLED])
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    found += [f"the hold of order {row['order_id']} was ended {row['n']} times" for row in releases[:50]]
    ended = Hold.objects.filter(status__in=[Hold.Status.RELEASED, Hold.Status.SETTLED])
    unposted = ended.exclude(
        order_id__in=Transaction.objects.filter(
            kind__in=[Transaction.Kind.HOLD_RELEASED, Transaction.Kind.WARRANTY_SETTLED]
        ).values("order_id")
    ).values_list("order_id", flat=True)
    found += [f"the hold of order {oid} is ended but no ledger transaction ended it" for oid in unposted[:50]]
    still_open = Hold.objects.filter(status__in=Hold.OPEN_STATUSES, order_id__in=releases.values("order_id"))
    found += [f"the hold of order {h.order_id} is {h.status} after it was ended" for h in still_open[:50]]
    return found


def _receivables() -> list[str]:
    """A receivable is a debt (at most zero), and only a chargeback creates one: no wallet
    goes below zero except by a recorded debt."""
    found: list[str] = []
    for row in (
        Entry.objects.filter(account__kind=Account.Kind.RECEIVABLE)
        .values("account__key")
        .annotate(total=Sum("amount"))
        .filter(total__gt=0)
    ):
        found.append(f"receivable {row['account__key']} is positive ({row['total']}): more repaid than owed")
    strange = (
        Entry.objects.filter(account__kind=Account.Kind.RECEIVABLE)
        .exclude(amount__lt=0, transaction__kind=Transaction.Kind.CHARGEBACK)
        .exclude(amount__gt=0, transaction__kind=Transaction.Kind.DEPOSIT)
        .values_list("id", flat=True)
    )
    found += [f"entry {eid} moves a debt without a chargeback or a repayment" for eid in strange[:50]]
    return found
