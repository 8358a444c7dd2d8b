"""Finding: a wallet could be pushed past the largest balance money can hold, after which
`/me`, `/wallet` and the wallet page answered 500. The limit is now checked under the wallet's
row lock, after the deposit is posted, so deposits racing each other cannot pass it together."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.test import Client

from core.errors import Conflict, DomainError
from core.money import MAX_AMOUNT, Money
from ledger.models import Transaction
from ledger.queries import wallet_balance
from payments import actions
from payments.providers import SandboxProvider

PASSWORD = "correct-horse-battery"


@pytest.fixture
def big_provider(monkeypatch):
    monkeypatch.setattr(SandboxProvider, "limit", MAX_AMOUNT)


def test_at_the_largest_balance_the_wallet_reads_and_refuses_more(make_user, api, big_provider):
    user = make_user("rich")
    actions.deposit(by=user, amount=Money(MAX_AMOUNT, "USD"))
    before = Transaction.objects.count()
    refused = api(user).post("/wallet/deposits", {"amount": {"amount": 1, "currency": "USD"}})
    assert refused.status_code == 409
    assert refused.json()["code"] == "balance_limit"
    assert Transaction.objects.count() == before
    assert wallet_balance(user, "USD").amount == MAX_AMOUNT
    assert api(user).get("/me").status_code == 200
    assert api(user).get("/wallet").status_code == 200
    web = Client()
    web.login(username="rich", password=PASSWORD)
    assert web.get("/wallet/").status_code == 200


def test_a_deposit_above_what_money_can_hold_is_a_422(make_user, api):
    answer = api(make_user()).post("/wallet/deposits", {"amount": {"amount": MAX_AMOUNT + 1, "currency": "USD"}})
    assert answer.status_code == 422
    assert not Transaction.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_deposits_cannot_pass_the_largest_balance_together(make_user, big_provider):
    user = make_user("rich")
    actions.deposit(by=user, amount=Money(MAX_AMOUNT - 10, "USD"))
    racers = 6
    barrier = threading.Barrier(racers)
    refusals: list[DomainError] = []
    crashes: list[BaseException] = []

    def deposit() -> None:
        try:
            barrier.wait(timeout=30)
            actions.deposit(by=user, amount=Money(10, "USD"))
        except DomainError as exc:
            refusals.append(exc)
        except BaseException as exc:
            crashes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deposit) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not crashes, crashes
    assert len(refusals) == racers - 1
    assert all(isinstance(r, Conflict) and r.code == "balance_limit" for r in refusals)
    assert wallet_balance(user, "USD").amount == MAX_AMOUNT
