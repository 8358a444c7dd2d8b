"""Order-escrow invariants for `parley ledger-check`: a finished order's escrow is exactly
zero; an open order's escrow holds exactly its price and fee; no order settled twice."""

from __future__ import annotations

from django.db.models import Count, F, Q

from ledger.models import Account, Transaction
from orders.models import Order


def problems() -> list[str]:
    found: list[str] = []
    escrows = Account.objects.filter(kind=Account.Kind.ESCROW, order__isnull=False)
    finished = (
        escrows.exclude(order__status__in=Order.OPEN_STATUSES)
        .exclude(balance=0)
        .values_list("order__public_id", "order__status", "balance")
    )
    found += [f"order {oid} is {status} but its escrow holds {balance}" for oid, status, balance in finished[:50]]
    # A warranty dispute reopens a completed order whose escrow was already settled: its money
    # is the frozen hold (verified by the ledger's hold checks), its escrow stays at zero.
    warranty = escrows.filter(order__status=Order.Status.DISPUTED, order__hold__status="frozen")
    found += [
        f"order {oid} is under a warranty dispute but its escrow holds {bal}"
        for oid, bal in warranty.exclude(balance=0).values_list("order__public_id", "balance")[:50]
    ]
    wrong_open = (
        escrows.filter(order__status__in=Order.OPEN_STATUSES)
        .exclude(order__hold__status="frozen")
        .exclude(balance=F("order__price_amount") + F("order__fee_amount"))
        .values_list("order__public_id", "balance")
    )
    found += [f"open order {oid} does not hold its price and fee in escrow: {bal}" for oid, bal in wrong_open[:50]]
    unfunded = Order.objects.annotate(n=Count("account", filter=Q(account__kind=Account.Kind.ESCROW))).filter(n=0)
    found += [f"order {o.public_id} has no escrow account" for o in unfunded[:50]]
    double = (
        Transaction.objects.filter(kind=Transaction.Kind.ORDER_SETTLED)
        .values("order_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    found += [f"order {row['order_id']} was settled {row['n']} times" for row in double[:50]]
    return found
