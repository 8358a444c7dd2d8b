from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from api.permissions import caller
from api.schemas import ERRORS, MoneyIn, MoneyOut
from core.errors import NotFound
from core.pagination import keyset_page
from ledger import queries
from ledger.models import Entry
from payments import actions
from payments.models import Withdrawal

router = Router(tags=["wallet"])


class DepositIn(Schema):
    amount: MoneyIn


class DepositOut(Schema):
    id: str
    transaction_id: str
    amount: MoneyOut
    balances: list[MoneyOut]


class HoldOut(Schema):
    amount: MoneyOut
    order_id: str
    release_at: datetime
    frozen: bool = Field(description="A warranty dispute is open on the order: the money waits for its outcome.")


class WalletOut(Schema):
    balances: list[MoneyOut] = Field(description="Per currency: available + held.")
    available: list[MoneyOut] = Field(description="What may be spent or withdrawn now (negative: a debt).")
    held: list[MoneyOut] = Field(description="Proceeds still under a payout hold or warranty.")
    holds: list[HoldOut]


class WithdrawalIn(Schema):
    amount: MoneyIn


class WithdrawalOut(Schema):
    id: str
    status: str = Field(description="pending | paid | failed")
    amount: MoneyOut
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, w: Withdrawal) -> WithdrawalOut:
        return cls(
            id=w.public_id,
            status=w.status,
            amount=MoneyOut.of(w.money),
            created_at=w.created_at,
            settled_at=w.settled_at,
        )


class WithdrawalPage(Schema):
    items: list[WithdrawalOut]
    next_cursor: str | None


class EntryOut(Schema):
    id: str
    transaction_id: str
    kind: str
    amount: MoneyOut
    order_id: str | None
    memo: str
    created_at: datetime

    @classmethod
    def of(cls, entry: Entry) -> EntryOut:
        txn = entry.transaction
        return cls(
            id=f"{txn.public_id}.{entry.account.kind}",
            transaction_id=txn.public_id,
            kind=txn.kind,
            amount=MoneyOut(amount=entry.amount, currency=entry.currency),
            order_id=txn.order.public_id if txn.order else None,
            memo=txn.memo,
            created_at=txn.created_at,
        )


class EntryPage(Schema):
    items: list[EntryOut]
    next_cursor: str | None


@router.post("/wallet/deposits", response={201: DepositOut, **ERRORS})
def deposit(request: HttpRequest, payload: DepositIn) -> Status[DepositOut]:
    user = caller(request)
    txn = actions.deposit(by=user, amount=payload.amount.to_money())
    return Status(
        201,
        DepositOut(
            id=txn.deposit.public_id,
            transaction_id=txn.public_id,
            amount=MoneyOut(**payload.amount.model_dump()),
            balances=[MoneyOut.of(m) for m in queries.wallet_balances(user)],
        ),
    )


@router.get("/wallet", response={200: WalletOut, **ERRORS})
def wallet(request: HttpRequest) -> WalletOut:
    view = queries.wallet_view(caller(request))
    return WalletOut(
        balances=[MoneyOut.of(m) for m in view.balances],
        available=[MoneyOut.of(m) for m in view.available],
        held=[MoneyOut.of(m) for m in view.held],
        holds=[
            HoldOut(
                amount=MoneyOut(amount=h.amount, currency=h.currency),
                order_id=h.order.public_id,
                release_at=h.release_at,
                frozen=h.status == h.Status.FROZEN,
            )
            for h in view.holds
        ],
    )


@router.post("/wallet/withdrawals", response={201: WithdrawalOut, **ERRORS})
def withdraw(request: HttpRequest, payload: WithdrawalIn) -> Status[WithdrawalOut]:
    """Moves the amount from the wallet to pending withdrawals at once and asks the payment
    provider to pay it; `status` follows the provider's answer."""
    withdrawal = actions.request_withdrawal(by=caller(request), amount=payload.amount.to_money())
    return Status(201, WithdrawalOut.of(withdrawal))


@router.get("/wallet/withdrawals", response={200: WithdrawalPage, **ERRORS})
def withdrawals(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> WithdrawalPage:
    qs = Withdrawal.objects.filter(user=caller(request)).order_by("-id")
    page = keyset_page(qs, cursor=cursor, limit=limit)
    return WithdrawalPage(items=[WithdrawalOut.of(w) for w in page.items], next_cursor=page.next_cursor)


@router.get("/wallet/withdrawals/{withdrawal_id}", response={200: WithdrawalOut, **ERRORS})
def withdrawal(request: HttpRequest, withdrawal_id: str) -> WithdrawalOut:
    found = Withdrawal.objects.filter(user=caller(request), public_id=withdrawal_id).first()
    if found is None:
        raise NotFound(_("No such withdrawal."))
    return WithdrawalOut.of(found)


@router.get("/wallet/entries", response={200: EntryPage, **ERRORS})
def entries(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> EntryPage:
    page = keyset_page(queries.wallet_entries(caller(request)), cursor=cursor, limit=limit)
    return EntryPage(items=[EntryOut.of(e) for e in page.items], next_cursor=page.next_cursor)
