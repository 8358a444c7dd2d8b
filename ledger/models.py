"""Double-entry ledger in integer minor units. Entries are append-only: a correction is a new
transaction. `ledger.posting.post()` is the only writer."""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models

from core.ids import PublicIdField


class Account(models.Model):
    class Kind(models.TextChoices):
        WALLET = "wallet"  # a user's money on the platform
        ESCROW = "escrow"  # one per order: the buyer's payment, frozen until the order ends
        PLATFORM_FEES = "platform_fees"  # the platform's fee revenue
        CLEARING = "clearing"  # the payment provider's side: deposits enter, withdrawals leave
        # A user's money on its way out: requested withdrawals the provider has not answered.
        WITHDRAWING = "withdrawing"
        # A seller's proceeds of completed orders, held until each hold's release time.
        HELD = "held"
        # What a user owes Parley after a chargeback took back more than the wallet held
        # (negative: the debt). A later deposit repays it first.
        RECEIVABLE = "receivable"

    key = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT)
    # Wallets and escrows: the cached sum of the account's entries, updated under its row lock
    # in the same transaction as the entries (`ledger-check` verifies it). The platform's and
    # the provider's accounts keep 0 here and are summed from their entries instead
    # (`ledger.queries.balance_of`): every settlement and deposit touches them, and a cached
    # balance would make them one row that every money move waits for.
    balance = models.BigIntegerField(default=0)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(
                condition=~models.Q(kind__in=["wallet", "escrow"]) | models.Q(balance__gte=0),
                name="ledger_account_no_overdraft",
            ),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["user", "kind"], name="account_user_kind")]

    def __str__(self) -> str:
        return self.key

    @property
    def label(self) -> str:
        """How people read the account: "wallet of alice", "escrow", "platform fees"."""
        if self.kind == self.Kind.WALLET and self.user is not None:
            return f"wallet of {self.user.username}"
        if self.kind == self.Kind.CLEARING:
            return f"payment provider ({self.key.split(':')[1]})"
        return str(self.get_kind_display()).lower()

    @property
    def may_go_negative(self) -> bool:
        return self.kind in UNGUARDED_KINDS


# The accounts that may go below zero: never locked, their balance not cached on the row.
UNGUARDED_KINDS = (Account.Kind.PLATFORM_FEES, Account.Kind.CLEARING, Account.Kind.RECEIVABLE)
# The accounts whose balance is cached on the row and must never go below zero.
CACHED_KINDS = (Account.Kind.WALLET, Account.Kind.ESCROW, Account.Kind.WITHDRAWING, Account.Kind.HELD)


class ImmutableQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("ledger rows are immutable; post a correcting transaction instead")

    def delete(self) -> NoReturn:
        raise TypeError("ledger rows are immutable; post a correcting transaction instead")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("ledger rows are immutable; post a correcting transaction instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("ledger rows are immutable; post a correcting transaction instead")


class Transaction(ImmutableModel):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit"
        ORDER_FUNDED = "order_funded"
        ORDER_SETTLED = "order_settled"  # the one terminal movement out of an order's escrow
        WITHDRAWAL_REQUESTED = "withdrawal_requested"  # wallet -> withdrawing
        WITHDRAWAL_PAID = "withdrawal_paid"  # withdrawing -> clearing
        WITHDRAWAL_FAILED = "withdrawal_failed"  # withdrawing -> wallet
        HOLD_RELEASED = "hold_released"  # held -> wallet
        WARRANTY_SETTLED = "warranty_settled"  # a warranty dispute's split out of held proceeds
        CHARGEBACK = "chargeback"  # the provider took a deposit back

    public_id = PublicIdField(prefix="txn")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT)
    memo = models.CharField(max_length=200, blank=True)
    # At most one transaction per unique key: for example one settlement per order, so no
    # race can pay an order out twice.
    unique_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class Entry(ImmutableModel):
    transaction = models.ForeignKey(Transaction, on_delete=models.PROTECT, related_name="entries")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.BigIntegerField()  # signed minor units: positive adds to the account's balance
    currency = models.CharField(max_length=3)

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=~models.Q(amount=0), name="ledger_entry_not_zero"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["account", "id"], name="entry_account")]

    def __str__(self) -> str:
        return f"{self.amount:+d} {self.currency} on {self.account_id}"


class Hold(models.Model):
    """A seller's proceeds of one completed order, kept in the seller's held account until
    `release_at` (`payout_hold`, or the listing's warranty if longer). The deadline engine
    releases it once; a warranty dispute freezes it, and that dispute's settlement ends it."""

    class Status(models.TextChoices):
        HELD = "held"
        FROZEN = "frozen"  # a warranty dispute is open: neither released nor refunded yet
        RELEASED = "released"  # moved to the seller's wallet: paid out
        SETTLED = "settled"  # a warranty dispute split it between buyer, seller and platform

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="hold")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="holds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    release_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = ("held", "frozen")

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="ledger_hold_positive"),
        ]
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["user", "status"], name="hold_user_status")]

    def __str__(self) -> str:
        return f"hold of {self.amount} {self.currency} until {self.release_at:%Y-%m-%d %H:%M} ({self.status})"
