from __future__ import annotations

from django.db.models import QuerySet, Sum

from accounts.models import User
from core.money import Money
from ledger.models import Account, Entry


def wallet_balances(user: User) -> list[Money]:
    rows = Account.objects.filter(user=user, kind=Account.Kind.WALLET).order_by("currency")
    return [Money(a.balance, a.currency) for a in rows]


def wallet_balance(user: User, currency: str) -> Money:
    account = Account.objects.filter(user=user, kind=Account.Kind.WALLET, currency=currency).first()
    return Money(account.balance if account else 0, currency)


def wallet_entries(user: User) -> QuerySet[Entry]:
    """Entries on the user's wallets, newest first, with their transaction and order."""
    return (
        Entry.objects.filter(account__user=user, account__kind=Account.Kind.WALLET)
        .select_related("transaction", "transaction__order", "account")
        .order_by("-id")
    )


def order_entries(order_id: int) -> QuerySet[Entry]:
    """Every ledger line of an order (funding and settlement), oldest first."""
    return (
        Entry.objects.filter(transaction__order_id=order_id)
        .select_related("transaction", "account__user")
        .order_by("id")
    )


def escrow_balance(order_id: int) -> int:
    account = Account.objects.filter(key=f"escrow:{order_id}").only("balance").first()
    return account.balance if account else 0


def balance_of(account: Account) -> int:
    """An account's balance: cached for wallets and escrows, summed for the system accounts."""
    if not account.may_go_negative:
        return account.balance
    total = Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)
