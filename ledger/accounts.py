"""Finding (or opening) the accounts money moves between."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User
from core import locking, spans
from core.lookups import by_unique_key
from ledger.models import UNGUARDED_KINDS, Account

Spec = tuple[str, dict[str, object]]  # an account's key, and its fields should it be opened


def _get_or_open(key: str, **fields: object) -> Account:
    found = by_unique_key(Account.objects.filter(key=key))
    if found is not None:
        return found
    return _open(key, **fields)


def _open(key: str, **fields: object) -> Account:
    """Opens an account just found missing (or, if a concurrent transaction opened it since, reads it)."""
    return _opened(key, **fields)[0]


def _opened(key: str, **fields: object) -> tuple[Account, bool]:
    """`_open`, and whether this transaction inserted the row: then nobody else can see it, let
    alone lock it, until this transaction commits."""
    try:
        with transaction.atomic():
            return Account.objects.create(key=key, **fields), True
    except IntegrityError:  # opened by a concurrent transaction
        return Account.objects.get(key=key), False


def found_and_locked(*wanted: Spec) -> tuple[list[Account], list[Account]]:
    """The accounts of these specs, in order, and those of them locked here. The accounts whose
    balance is cached (wallets, escrows, held proceeds) are found and locked in one query, in id
    order, and read under the lock; the others (the platform's) are read without a lock, and
    inside a `core.spans.span()` (a batch of deadlines) once per span. Any missing one is
    opened (one opened by a concurrent transaction meanwhile is left for `post()` to lock)."""
    guarded = [key for key, fields in wanted if fields["kind"] not in UNGUARDED_KINDS]
    found: dict[str, Account] = {}
    if guarded:
        found |= {a.key: a for a in Account.objects.select_for_update().filter(key__in=guarded).order_by("pk")}
    locked = list(found.values())
    others = [key for key, fields in wanted if fields["kind"] in UNGUARDED_KINDS]
    for key in others:
        kept = spans.remembered(f"ledger.account:{key}")
        if isinstance(kept, Account):
            found[key] = kept
    if missing := [key for key in others if key not in found]:
        for account in Account.objects.filter(key__in=missing):
            found[account.key] = account
            spans.remember(f"ledger.account:{account.key}", account)
    result = []
    for key, fields in wanted:
        if key in found:
            result.append(found[key])
            continue
        account, inserted = _opened(key, **fields)
        if inserted and fields["kind"] not in UNGUARDED_KINDS:
            locked.append(account)  # this transaction's own row, its balance as inserted
        result.append(account)
    return result, locked


def wallet_spec(user: User, currency: str) -> Spec:
    return f"wallet:{user.pk}:{currency}", {"kind": Account.Kind.WALLET, "currency": currency, "user": user}


def escrow_spec(order_id: int, currency: str) -> Spec:
    return f"escrow:{order_id}", {"kind": Account.Kind.ESCROW, "currency": currency, "order_id": order_id}


def platform_fees_spec(currency: str) -> Spec:
    return f"platform:fees:{currency}", {"kind": Account.Kind.PLATFORM_FEES, "currency": currency}


def held_spec(user: User, currency: str) -> Spec:
    return f"held:{user.pk}:{currency}", {"kind": Account.Kind.HELD, "currency": currency, "user": user}


def wallet(user: User, currency: str) -> Account:
    key, fields = wallet_spec(user, currency)
    return _get_or_open(key, **fields)


def escrow(order_id: int, currency: str) -> Account:
    key, fields = escrow_spec(order_id, currency)
    return _get_or_open(key, **fields)


def open_escrow(order_id: int, currency: str) -> Account:
    """The escrow of an order placed in the caller's transaction: no one else can have opened it
    (or see it) yet, so it is inserted without looking first, and is the caller's alone until commit."""
    return Account.objects.create(
        key=f"escrow:{order_id}", kind=Account.Kind.ESCROW, currency=currency, order_id=order_id
    )


def platform_fees(currency: str) -> Account:
    key, fields = platform_fees_spec(currency)
    return _get_or_open(key, **fields)


def clearing(provider: str, currency: str) -> Account:
    return _get_or_open(f"clearing:{provider}:{currency}", kind=Account.Kind.CLEARING, currency=currency)


def withdrawing(user: User, currency: str) -> Account:
    """The user's requested withdrawals the provider has not answered yet."""
    return _get_or_open(
        f"withdrawing:{user.pk}:{currency}", kind=Account.Kind.WITHDRAWING, currency=currency, user=user
    )


def held(user: User, currency: str) -> Account:
    """The user's proceeds of completed orders that are still held (payout hold, warranty)."""
    key, fields = held_spec(user, currency)
    return _get_or_open(key, **fields)


def receivable(user: User, currency: str) -> Account:
    """What the user owes Parley after a chargeback (negative balance: the debt)."""
    return _get_or_open(f"receivable:{user.pk}:{currency}", kind=Account.Kind.RECEIVABLE, currency=currency, user=user)


def locked_wallet(user: User, currency: str) -> Account:
    """The user's wallet, opened if need be and locked for the caller's transaction: the lock
    that serialises every check-then-move of this user's money in this currency. Found and
    locked in one query (one row: the same lock, at the same point, as by its id)."""
    assert transaction.get_connection().in_atomic_block, "locked_wallet() needs a transaction"
    key, fields = wallet_spec(user, currency)
    found = by_unique_key(Account.objects.select_for_update().filter(key=key))
    if found is not None:
        return found
    opened = _open(key, **fields)
    return locking.lock(Account, [opened.pk])[opened.pk]
