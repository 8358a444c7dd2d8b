"""Withdrawals: a two-phase transfer through the payment provider (PRODUCT.md §11)."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from core.errors import Conflict, ValidationFailed
from core.models import Deadline
from core.money import Money
from ledger import queries as ledger
from ledger.models import Account, Transaction
from ops import deadlines as engine
from payments import actions
from payments.models import Withdrawal
from payments.providers import PayoutAnswer, SandboxProvider
from testsupport import factories


def _balance(user, kind):
    account = Account.objects.filter(user=user, kind=kind, currency="USD").first()
    return account.balance if account else 0


def test_a_request_moves_the_money_to_pending_and_the_sandbox_pays_it(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    factories.fund(user, 50_00)
    with django_capture_on_commit_callbacks(execute=False):
        withdrawal = actions.request_withdrawal(by=user, amount=Money(20_00, "USD"))
    assert withdrawal.status == "pending"
    assert _balance(user, Account.Kind.WALLET) == 30_00
    assert _balance(user, Account.Kind.WITHDRAWING) == 20_00
    # The deadline engine is the backstop: it submits what the request did not.
    assert engine.run_due() == 1
    withdrawal.refresh_from_db()
    assert withdrawal.status == "paid"
    assert withdrawal.settled_at is not None
    assert _balance(user, Account.Kind.WITHDRAWING) == 0
    assert _balance(user, Account.Kind.WALLET) == 30_00
    clearing = Account.objects.get(kind=Account.Kind.CLEARING, currency="USD")
    assert ledger.balance_of(clearing) == -30_00  # 50 came in, 20 went out


def test_the_sandbox_pays_at_once_right_after_the_request_commits(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    factories.fund(user, 50_00)
    with django_capture_on_commit_callbacks(execute=True):
        withdrawal = actions.request_withdrawal(by=user, amount=Money(20_00, "USD"))
    withdrawal.refresh_from_db()
    assert withdrawal.status == "paid"
    # The backstop deadline was withdrawn: nothing left to run.
    assert not Deadline.objects.filter(kind=actions.SUBMIT_WITHDRAWAL, status="pending").exists()


def test_a_failed_payout_returns_the_money_to_the_wallet(make_user, django_capture_on_commit_callbacks):
    user = make_user()
    factories.fund(user, 50_00)
    SandboxProvider.fail_next_payout()
    with django_capture_on_commit_callbacks(execute=True):
        failed = actions.request_withdrawal(by=user, amount=Money(20_00, "USD"))
        paid = actions.request_withdrawal(by=user, amount=Money(5_00, "USD"))
    failed.refresh_from_db()
    paid.refresh_from_db()
    assert (failed.status, paid.status) == ("failed", "paid")  # only the next one fails
    assert _balance(user, Account.Kind.WALLET) == 45_00
    assert _balance(user, Account.Kind.WITHDRAWING) == 0


def test_an_answer_that_comes_twice_settles_once_and_is_logged(make_user, caplog):
    user = make_user()
    factories.fund(user, 50_00)
    withdrawal = actions.request_withdrawal(by=user, amount=Money(20_00, "USD"))
    answer = PayoutAnswer(status="paid", reference="prov_1")
    actions.provider_answered(withdrawal_public_id=withdrawal.public_id, answer=answer)
    with caplog.at_level(logging.WARNING, logger="parley.payments"):
        again = actions.provider_answered(withdrawal_public_id=withdrawal.public_id, answer=answer)
        contrary = actions.provider_answered(
            withdrawal_public_id=withdrawal.public_id, answer=PayoutAnswer(status="failed", reference="prov_1")
        )
        unknown = actions.provider_answered(withdrawal_public_id="wdr_nosuchthing", answer=answer)
    assert again is not None and again.status == "paid"
    assert contrary is not None and contrary.status == "paid"
    assert unknown is None
    assert Transaction.objects.filter(kind=Transaction.Kind.WITHDRAWAL_PAID).count() == 1
    assert Transaction.objects.filter(kind=Transaction.Kind.WITHDRAWAL_FAILED).count() == 0
    assert _balance(user, Account.Kind.WALLET) == 30_00
    assert len([r for r in caplog.records if "ignored" in r.getMessage()]) == 3
    # The backstop deadline finds it settled and changes nothing.
    engine.run_due()
    assert Deadline.objects.filter(kind=actions.SUBMIT_WITHDRAWAL, status="pending").count() == 0
    assert Transaction.objects.filter(kind=Transaction.Kind.WITHDRAWAL_PAID).count() == 1


@pytest.mark.parametrize(
    ("amount", "currency", "error", "code"),
    [
        (0, "USD", ValidationFailed, "validation_error"),
        (-5, "USD", ValidationFailed, "validation_error"),
        (10_00, "JPY", ValidationFailed, "validation_error"),
        (50_01, "USD", Conflict, "insufficient_funds"),
    ],
)
def test_bad_amounts_move_nothing(make_user, amount, currency, error, code):
    user = make_user()
    factories.fund(user, 50_00)
    before = Transaction.objects.count()
    with pytest.raises(error) as exc:
        actions.request_withdrawal(by=user, amount=Money(amount, currency))
    assert exc.value.code == code
    assert Transaction.objects.count() == before
    assert not Withdrawal.objects.exists()


def test_a_suspended_user_cannot_withdraw(make_user):
    user = make_user()
    factories.fund(user, 50_00)
    user.is_active = False
    user.save(update_fields=["is_active"])
    with pytest.raises(Conflict) as exc:
        actions.request_withdrawal(by=user, amount=Money(10_00, "USD"))
    assert exc.value.code == "withdrawals_blocked"
    assert _balance(user, Account.Kind.WALLET) == 50_00


def test_withdrawals_api(make_user, api):
    user = make_user()
    factories.fund(user, 50_00)
    client = api(user)
    first = client.post(
        "/wallet/withdrawals", {"amount": {"amount": 20_00, "currency": "USD"}}, headers={"Idempotency-Key": "w-1"}
    )
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["id"].startswith("wdr_")
    assert body["status"] in ("pending", "paid")
    assert body["amount"] == {"amount": 20_00, "currency": "USD"}
    retry = client.post(
        "/wallet/withdrawals", {"amount": {"amount": 20_00, "currency": "USD"}}, headers={"Idempotency-Key": "w-1"}
    )
    assert retry.json()["id"] == body["id"]
    assert Withdrawal.objects.count() == 1
    engine.run_due()
    shown = client.get(f"/wallet/withdrawals/{body['id']}").json()
    assert shown["status"] == "paid"
    assert shown["settled_at"] is not None
    listed = client.get("/wallet/withdrawals").json()
    assert [w["id"] for w in listed["items"]] == [body["id"]]
    assert client.get("/wallet").json()["available"] == [{"amount": 30_00, "currency": "USD"}]
    other = api(make_user())
    assert other.get(f"/wallet/withdrawals/{body['id']}").status_code == 404
    too_much = client.post("/wallet/withdrawals", {"amount": {"amount": 30_01, "currency": "USD"}})
    assert too_much.status_code == 409
    assert too_much.json()["code"] == "insufficient_funds"
    for bad in ({"amount": 0, "currency": "USD"}, {"amount": -1, "currency": "USD"}, {"amount": 1, "currency": "XXX"}):
        response = client.post("/wallet/withdrawals", {"amount": bad})
        assert response.status_code in (400, 422), response.content
    assert Withdrawal.objects.count() == 1


@override_settings(TEST_CLOCK_ENABLED=True)
def test_fail_next_helper_is_staff_only(make_user, api):
    user = make_user()
    assert api(user).post("/test-helpers/withdrawals/fail-next").status_code == 403
    staff = make_user(staff=True)
    assert api(staff).post("/test-helpers/withdrawals/fail-next").status_code == 200
    factories.fund(user, 10_00)
    api(user).post("/wallet/withdrawals", {"amount": {"amount": 10_00, "currency": "USD"}})
    engine.run_due()
    assert Withdrawal.objects.get().status == "failed"
    assert _balance(user, Account.Kind.WALLET) == 10_00


@override_settings(TEST_CLOCK_ENABLED=False)
def test_test_helpers_are_404_without_the_test_clock(make_user, api):
    staff = make_user(staff=True)
    assert api(staff).post("/test-helpers/withdrawals/fail-next").status_code == 404
    assert api(staff).post("/test-helpers/deposits/dep_x/chargeback").status_code == 404
