"""Finding (or opening) the accounts money moves between."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from core import locking
from ledger.models import Account


def _get_or_open(key: str, **fields: object) -> Account:
    found = Account.objects.filter(key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return Account.objects.create(key=key, **fields)
    except IntegrityError:  # opened by a concurrent transaction
        return Account.objects.get(key=key)


def wallet(user: User, currency: str) -> Account:
    return _get_or_open(f"wallet:{user.pk}:{currency}", kind=Account.Kind.WALLET, currency=currency, user=user)


def escrow(order_id: int, currency: str) -> Account:
    return _get_or_open(f"escrow:{order_id}", kind=Account.Kind.ESCROW, currency=currency, order_id=order_id)


def platform_fees(currency: str) -> Account:
    return _get_or_open(f"platform:fees:{currency}", kind=Account.Kind.PLATFORM_FEES, currency=currency)


def clearing(provider: str, currency: str) -> Account:
    return _get_or_open(f"clearing:{provider}:{currency}", kind=Account.Kind.CLEARING, currency=currency)


def withdrawing(user: User, currency: str) -> Account:
    """The user's requested withdrawals the provider has not answered yet."""
    return _get_or_open(
        f"withdrawing:{user.pk}:{currency}", kind=Account.Kind.WITHDRAWING, currency=currency, user=user
    )


def held(user: User, currency: str) -> Account:
    """The user's proceeds of completed orders that are still held (payout hold, warranty)."""
    return _get_or_open(f"held:{user.pk}:{currency}", kind=Account.Kind.HELD, currency=currency, user=user)


def receivable(user: User, currency: str) -> Account:
    """What the user owes Parley after a chargeback (negative balance: the debt)."""
    return _get_or_open(f"receivable:{user.pk}:{currency}", kind=Account.Kind.RECEIVABLE, currency=currency, user=user)


def locked_wallet(user: User, currency: str) -> Account:
    """The user's wallet, opened if need be and locked for the caller's transaction: the lock
    that serialises every check-then-move of this user's money in this currency."""
    opened = wallet(user, currency)
    return locking.lock(Account, [opened.pk])[opened.pk]
