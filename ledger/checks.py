"""The ledger's own invariants, verified over the whole database (`parley ledger-check`)."""

from __future__ import annotations

from django.db.models import Count, F, Sum, Value
from django.db.models.functions import Coalesce

from ledger.models import Account, Entry, Transaction


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
        Account.objects.filter(kind__in=[Account.Kind.WALLET, Account.Kind.ESCROW])
        .annotate(summed=Coalesce(Sum("entries__amount"), Value(0)))
        .exclude(balance=F("summed"))
        .values("key", "balance", "summed")[:50]
    )
    found += [
        f"account {row['key']} caches balance {row['balance']} but its entries sum to {row['summed']}"
        for row in mismatched
    ]
    negative = Account.objects.filter(kind__in=[Account.Kind.WALLET, Account.Kind.ESCROW], balance__lt=0)
    found += [f"account {a.key} is below zero: {a.balance}" for a in negative[:50]]
    wrong_currency = Entry.objects.exclude(currency=F("account__currency")).values_list("id", flat=True)[:50]
    found += [f"entry {eid} is in another currency than its account" for eid in wrong_currency]
    return found
