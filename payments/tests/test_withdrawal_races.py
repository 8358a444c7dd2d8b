"""Withdrawals under real concurrency on PostgreSQL: racing requests for the same money (one
succeeds), and processes killed between the provider's answer and its settlement (settled
once, by whoever comes next)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from core.models import Deadline
from core.money import Money
from ledger.models import Account, Transaction
from ops.ledger_check import run_checks
from ops.tests.test_worker_processes import PROJECT_ROOT, _database_url, _finish, _start_worker
from orders.tests.test_races import race
from payments import actions
from payments.models import Withdrawal
from testsupport import factories

pytestmark = pytest.mark.postgres


def _balance(user, kind):
    account = Account.objects.filter(user=user, kind=kind, currency="USD").first()
    return account.balance if account else 0


def test_ten_withdrawals_racing_for_the_same_money_one_succeeds(transactional_db, make_user):
    user = make_user()
    factories.fund(user, 30_00)
    outcomes = race(*[lambda: actions.request_withdrawal(by=user, amount=Money(20_00, "USD"))] * 10)
    assert outcomes.crashed == []
    assert len(outcomes.won) == 1
    assert {r.code for r in outcomes.refused} == {"insufficient_funds"}
    assert Withdrawal.objects.count() == 1
    assert _balance(user, Account.Kind.WALLET) == 10_00
    assert run_checks().ok


def test_a_withdrawal_racing_an_order_for_the_same_money(transactional_db, make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=20_00)  # 21.00 with the fee
    factories.fund(buyer, 25_00)
    from orders import actions as orders

    outcomes = race(
        lambda: actions.request_withdrawal(by=buyer, amount=Money(20_00, "USD")),
        lambda: orders.place_order(by=buyer, listing_id=item.pk),
    )
    assert outcomes.crashed == []
    assert len(outcomes.won) == 1
    assert [r.code for r in outcomes.refused] == ["insufficient_funds"]
    assert _balance(buyer, Account.Kind.WALLET) in (5_00, 4_00)
    assert run_checks().ok


def _request_in_a_process_that_dies_after_the_answer(user_id: int) -> tuple[int, str]:
    """A web process takes the request, commits phase one, asks the sandbox right after the
    commit, and dies between the provider's answer and the settlement."""
    script = textwrap.dedent(
        f"""
        import django
        django.setup()
        from accounts.models import User
        from core.money import Money
        from payments import actions
        actions.request_withdrawal(by=User.objects.get(pk={user_id}), amount=Money(20_00, "USD"))
        print("request returned: the process should have died")
        """
    )
    env_cmd = [sys.executable, "-c", script]
    import os

    process = subprocess.run(
        env_cmd,
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "DJANGO_SETTINGS_MODULE": "parley.test_settings",
            "PARLEY_CRASH_AT": "withdrawal_answered:1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    return process.returncode, process.stdout + process.stderr


@pytest.mark.slow
def test_processes_killed_between_the_answer_and_its_settlement_settle_once(transactional_db, make_user):
    user = make_user()
    factories.fund(user, 50_00)

    code, output = _request_in_a_process_that_dies_after_the_answer(user.pk)
    assert code == 137, output[-3000:]
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.status == "pending"  # phase one committed, the settlement died with the process
    assert _balance(user, Account.Kind.WITHDRAWING) == 20_00
    assert run_checks().ok

    # A worker picks up the backstop deadline, gets the answer, and dies before committing.
    code, output = _finish(_start_worker(PARLEY_CRASH_AT="withdrawal_answered:1"))
    assert code == 137, output[-3000:]
    withdrawal.refresh_from_db()
    assert withdrawal.status == "pending"

    # The next worker settles it, once.
    code, output = _finish(_start_worker())
    assert code == 0, output[-3000:]
    withdrawal.refresh_from_db()
    assert withdrawal.status == "paid"
    assert Transaction.objects.filter(kind=Transaction.Kind.WITHDRAWAL_PAID).count() == 1
    assert (_balance(user, Account.Kind.WALLET), _balance(user, Account.Kind.WITHDRAWING)) == (30_00, 0)
    assert Deadline.objects.get(kind=actions.SUBMIT_WITHDRAWAL).status == Deadline.Status.DONE
    # A late, repeated answer from the provider changes nothing.
    from payments.providers import PayoutAnswer

    actions.provider_answered(
        withdrawal_public_id=withdrawal.public_id, answer=PayoutAnswer(status="failed", reference="late")
    )
    assert Transaction.objects.filter(kind__in=["withdrawal_paid", "withdrawal_failed"]).count() == 1
    assert run_checks().ok
