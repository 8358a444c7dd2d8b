from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema, Status

from api.permissions import caller
from api.schemas import ERRORS, MoneyIn, MoneyOut
from core.pagination import keyset_page
from ledger import queries
from ledger.models import Entry
from payments import actions

router = Router(tags=["wallet"])


class DepositIn(Schema):
    amount: MoneyIn


class DepositOut(Schema):
    transaction_id: str
    amount: MoneyOut
    balances: list[MoneyOut]


class WalletOut(Schema):
    balances: list[MoneyOut]


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
            transaction_id=txn.public_id,
            amount=MoneyOut(**payload.amount.model_dump()),
            balances=[MoneyOut.of(m) for m in queries.wallet_balances(user)],
        ),
    )


@router.get("/wallet", response={200: WalletOut, **ERRORS})
def wallet(request: HttpRequest) -> WalletOut:
    return WalletOut(balances=[MoneyOut.of(m) for m in queries.wallet_balances(caller(request))])


@router.get("/wallet/entries", response={200: EntryPage, **ERRORS})
def entries(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> EntryPage:
    page = keyset_page(queries.wallet_entries(caller(request)), cursor=cursor, limit=limit)
    return EntryPage(items=[EntryOut.of(e) for e in page.items], next_cursor=page.next_cursor)
