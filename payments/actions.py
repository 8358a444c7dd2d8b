"""Deposits into a user's wallet through the payment provider."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from core import audit, locking
from core.errors import Conflict, ValidationFailed
from core.money import MAX_AMOUNT, Money
from ledger import accounts
from ledger.models import Account, Transaction
from ledger.posting import Leg, post
from payments.providers import active_provider
from policy.active import configured_policy


def deposit(*, by: User, amount: Money) -> Transaction:
    """Charges the provider and credits the wallet, in one transaction with the ledger entry."""
    if amount.amount <= 0:
        raise ValidationFailed("A deposit must be more than zero.", fields={"amount": ["must be positive"]})
    if amount.currency not in configured_policy().currencies:
        raise ValidationFailed(
            f"This marketplace trades in {', '.join(configured_policy().currencies)}.",
            fields={"amount.currency": ["not accepted here"]},
        )
    provider = active_provider()
    with transaction.atomic():
        wallet = accounts.wallet(by, amount.currency)
        if wallet.balance + amount.amount > MAX_AMOUNT:
            raise Conflict("A wallet cannot hold that much.", code="balance_limit")
        # Checked again under the wallet's row lock (the one post() takes), so deposits racing
        # each other cannot all pass the check above together.
        if locking.lock_one(Account, wallet.pk).balance + amount.amount > MAX_AMOUNT:
            raise Conflict("A wallet cannot hold that much.", code="balance_limit")
        charge = provider.charge(amount=amount, payer_ref=by.public_id)
        txn = post(
            kind=Transaction.Kind.DEPOSIT,
            legs=[
                Leg(accounts.clearing(provider.name, amount.currency), -amount),
                Leg(wallet, amount),
            ],
            memo=f"{charge.provider} {charge.reference}",
        )
        audit.record(
            "wallet.deposited",
            subject=by,
            by=by,
            role="user",
            data={"amount": amount.as_dict(), "provider": charge.provider, "reference": charge.reference},
        )
    return txn
