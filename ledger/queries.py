from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from accounts.models import User
from core.lookups import by_unique_key
from core.money import Money
from ledger.models import Account, Entry, Hold


def wallet_balances(user: User) -> list[Money]:
    """Per currency: available + held (a debt counts against it)."""
    return wallet_view(user).balances


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
    account = by_unique_key(Account.objects.filter(key=f"escrow:{order_id}").only("balance"))
    return account.balance if account else 0


def balance_of(account: Account) -> int:
    """An account's balance: cached for wallets and escrows, summed for the system accounts."""
    if not account.may_go_negative:
        return account.balance
    total = Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


@dataclass(frozen=True, slots=True)
class WalletView:
    """What a user has: available (the wallet, less any debt), held (proceeds under a hold or
    frozen by a warranty dispute) and each open hold."""

    available: list[Money]
    held: list[Money]
    holds: list[Hold]
    pending_withdrawals: list[Money]

    @property
    def balances(self) -> list[Money]:
        totals: dict[str, int] = {}
        for m in [*self.available, *self.held]:
            totals[m.currency] = totals.get(m.currency, 0) + m.amount
        return [Money(v, c) for c, v in sorted(totals.items())]

    @property
    def debts(self) -> list[Money]:
        return [Money(-m.amount, m.currency) for m in self.available if m.amount < 0]


def wallet_view(user: User) -> WalletView:
    rows = list(
        Account.objects.filter(
            user=user,
            kind__in=[Account.Kind.WALLET, Account.Kind.HELD, Account.Kind.RECEIVABLE, Account.Kind.WITHDRAWING],
        )
    )
    available: dict[str, int] = {}
    held: dict[str, int] = {}
    pending: dict[str, int] = {}
    for account in rows:
        if account.kind == Account.Kind.WALLET:
            available[account.currency] = available.get(account.currency, 0) + account.balance
        elif account.kind == Account.Kind.RECEIVABLE:
            available[account.currency] = available.get(account.currency, 0) + balance_of(account)
        elif account.kind == Account.Kind.HELD:
            held[account.currency] = account.balance
        else:
            pending[account.currency] = account.balance
    for currency in held:
        available.setdefault(currency, 0)
    holds = list(
        Hold.objects.filter(user=user, status__in=Hold.OPEN_STATUSES)
        .select_related("order")
        .order_by("release_at", "id")
    )
    return WalletView(
        available=[Money(v, c) for c, v in sorted(available.items())],
        held=[Money(v, c) for c, v in sorted(held.items()) if v or c in available],
        holds=holds,
        pending_withdrawals=[Money(v, c) for c, v in sorted(pending.items()) if v],
    )


def in_debt(user: User) -> bool:
    """Does the user owe Parley money after a chargeback (in any currency)?"""
    # One query: each receivable's balance is the sum of its entries (it is not cached).
    return (
        Entry.objects.filter(account__user=user, account__kind=Account.Kind.RECEIVABLE)
        .values("account_id")
        .annotate(total=Sum("amount"))
        .filter(total__lt=0)
        .exists()
    )
