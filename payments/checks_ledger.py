"""Withdrawal invariants for `parley ledger-check`: each user's pending-withdrawals account
holds exactly the sum of their pending requests, and every settled request was settled once."""

from __future__ import annotations

from django.db.models import Count, Sum

from ledger.models import Account, Transaction
from payments.models import Withdrawal


def problems() -> list[str]:
    found: list[str] = []
    pending: dict[tuple[int, str], int] = {
        (row["user_id"], row["currency"]): row["total"]
        for row in Withdrawal.objects.filter(status=Withdrawal.Status.PENDING)
        .values("user_id", "currency")
        .annotate(total=Sum("amount"))
    }
    accounts = {
        (uid, cur): bal
        for uid, cur, bal in Account.objects.filter(kind=Account.Kind.WITHDRAWING).values_list(
            "user_id", "currency", "balance"
        )
    }
    for key in sorted(set(pending) | set(accounts)):
        if pending.get(key, 0) != accounts.get(key, 0):
            found.append(
                f"user {key[0]} has {accounts.get(key, 0)} {key[1]} in pending withdrawals "
                f"but pending requests of {pending.get(key, 0)}"
            )
    settled_kinds = [Transaction.Kind.WITHDRAWAL_PAID, Transaction.Kind.WITHDRAWAL_FAILED]
    settlements = {
        row["unique_key"]: row["n"]
        for row in Transaction.objects.filter(kind__in=settled_kinds).values("unique_key").annotate(n=Count("id"))
    }
    for w in Withdrawal.objects.exclude(status=Withdrawal.Status.PENDING).only("pk", "public_id")[:10_000]:
        if settlements.get(f"withdrawal:{w.pk}:settlement", 0) != 1:
            found.append(f"withdrawal {w.public_id} is settled but its settlement was not posted once")
    for w in Withdrawal.objects.filter(status=Withdrawal.Status.PENDING).only("pk", "public_id")[:10_000]:
        if f"withdrawal:{w.pk}:settlement" in settlements:
            found.append(f"withdrawal {w.public_id} is pending but was settled")
    reversed_twice = (
        Transaction.objects.filter(kind=Transaction.Kind.CHARGEBACK)
        .values("unique_key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    found += [f"{row['unique_key']} was posted {row['n']} times" for row in reversed_twice[:50]]
    return found
