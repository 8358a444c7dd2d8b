"""`ledger.posting.post()` is the only writer of money (T1 in the reliability notes): balanced
transactions are stored with their balances moved; everything else is refused with nothing
written; and the books always add up."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.db import transaction
from hypothesis import event, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from core.money import Money
from ledger import accounts
from ledger.checks import problems
from ledger.models import Account, Entry, Transaction
from ledger.posting import AlreadyPosted, InsufficientFunds, Leg, Unbalanced, post
from ledger.queries import balance_of

CURRENCIES = ("USD", "EUR")


@pytest.fixture
def books(make_user):
    """Accounts of every kind in two currencies: wallets and escrows may not go below zero,
    the platform and the provider's clearing account may."""
    alice, bob = make_user("alice"), make_user("bob")
    opened = []
    for currency in CURRENCIES:
        opened += [
            accounts.clearing("sandbox", currency),
            accounts.platform_fees(currency),
            accounts.wallet(alice, currency),
            accounts.wallet(bob, currency),
        ]
    return opened


def _balances() -> dict[int, int]:
    """Every account's balance as Parley reads it (cached for wallets and escrows, summed for
    the platform's and the provider's accounts)."""
    return {account.pk: balance_of(account) for account in Account.objects.all()}


def _rows() -> tuple[int, int]:
    return Transaction.objects.count(), Entry.objects.count()


@st.composite
def leg_lists(draw: st.DrawFn, n_accounts: int) -> list[tuple[int, int, str | None]]:
    """(account index, amount, currency override) triples. Two times in three the legs are
    balanced per currency through the clearing account (index -1); otherwise anything goes:
    no or one leg, zero amounts, a currency that is not the account's, sums that are off."""
    account = st.integers(0, n_accounts - 1)
    if draw(st.integers(0, 2)):
        nonzero = st.one_of(st.integers(1, 10**9), st.integers(-(10**9), -1))
        legs = draw(st.lists(st.tuples(account, nonzero, st.none()), min_size=1, max_size=5))
        return [*legs, (-1, 0, None)]
    amount = st.one_of(st.integers(-(10**9), 10**9), st.sampled_from([0, 1, -1]))
    override = st.one_of(st.none(), st.sampled_from(CURRENCIES))
    return draw(st.lists(st.tuples(account, amount, override), max_size=6))


def _to_legs(raw, books) -> list[Leg]:
    legs: list[Leg] = []
    sums: dict[str, int] = defaultdict(int)
    for index, amount, currency in raw:
        if index == -1:
            for cur, total in sums.items():
                if total:
                    legs.append(Leg(next(a for a in books if a.key == f"clearing:sandbox:{cur}"), Money(-total, cur)))
            continue
        account = books[index]
        money = Money(amount, currency or account.currency)
        legs.append(Leg(account, money))
        sums[money.currency] += amount
    return legs


def _expected_refusal(legs: list[Leg], balances: dict[int, int]) -> type[Exception] | None:
    sums: dict[str, int] = defaultdict(int)
    if len(legs) < 2:
        return Unbalanced
    for leg in legs:
        if leg.money.amount == 0 or leg.money.currency != leg.account.currency:
            return Unbalanced
        sums[leg.money.currency] += leg.money.amount
    if any(sums.values()):
        return Unbalanced
    deltas: dict[int, int] = defaultdict(int)
    for leg in legs:
        deltas[leg.account.pk] += leg.money.amount
    for account_id, delta in deltas.items():
        account = next(leg.account for leg in legs if leg.account.pk == account_id)
        if not account.may_go_negative and balances[account_id] + delta < 0:
            return InsufficientFunds
    return None


@settings(max_examples=150)
@given(data=st.data())
def test_post_stores_balanced_transactions_and_refuses_the_rest_with_nothing_written(books, data):
    raw = data.draw(leg_lists(len(books)))
    legs = _to_legs(raw, books)
    before, rows_before = _balances(), _rows()
    refusal = _expected_refusal(legs, before)
    event(f"outcome: {refusal.__name__ if refusal else 'stored'}")

    if refusal is not None:
        with pytest.raises(refusal), transaction.atomic():
            post(kind=Transaction.Kind.DEPOSIT, legs=legs, memo="property")
        assert _balances() == before
        assert _rows() == rows_before
    else:
        with transaction.atomic():
            txn = post(kind=Transaction.Kind.DEPOSIT, legs=legs, memo="property")
        stored = sorted(txn.entries.values_list("account_id", "amount", "currency"))
        assert stored == sorted((leg.account.pk, leg.money.amount, leg.money.currency) for leg in legs)
        expected = dict(before)
        for leg in legs:
            expected[leg.account.pk] += leg.money.amount
        assert _balances() == expected
        assert _rows() == (rows_before[0] + 1, rows_before[1] + len(legs))

    # The books add up after every example: cached balance = sum of entries, sum = 0 per
    # currency, no wallet below zero.
    assert problems() == []


def test_a_wallet_cannot_be_overdrawn(books, make_user):
    clearing, _, alice_usd = books[0], books[1], books[2]
    with transaction.atomic():
        post(kind="deposit", legs=[Leg(clearing, Money(-10_00, "USD")), Leg(alice_usd, Money(10_00, "USD"))])
    rows = _rows()

    with pytest.raises(InsufficientFunds) as exc, transaction.atomic():
        post(kind="deposit", legs=[Leg(alice_usd, Money(-10_01, "USD")), Leg(clearing, Money(10_01, "USD"))])

    assert exc.value.code == "insufficient_funds"
    assert exc.value.status == 409
    assert isinstance(exc.value, DomainError)
    assert _rows() == rows
    alice_usd.refresh_from_db()
    assert alice_usd.balance == 10_00


def test_the_database_refuses_a_negative_wallet_even_without_post(books):
    # The check constraint is the last line of defence below post()'s own check.
    from django.db import IntegrityError

    wallet = books[2]
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=wallet.pk).update(balance=-1)


def test_a_unique_key_lets_a_movement_happen_only_once(books):
    clearing, _, alice_usd = books[0], books[1], books[2]
    legs = [Leg(clearing, Money(-5_00, "USD")), Leg(alice_usd, Money(5_00, "USD"))]
    with transaction.atomic():
        post(kind="deposit", legs=legs, unique_key="once")
    rows = _rows()

    with pytest.raises(AlreadyPosted) as exc, transaction.atomic():
        post(kind="deposit", legs=legs, unique_key="once")

    assert exc.value.code == "already_settled"
    assert _rows() == rows
    alice_usd.refresh_from_db()
    assert alice_usd.balance == 5_00


def test_post_needs_the_callers_transaction(books):
    clearing, _, alice_usd = books[0], books[1], books[2]
    # Inside the test's own transaction this holds; the assertion guards real callers.
    from core import locking

    assert locking.lock(Account, [clearing.pk, alice_usd.pk]).keys() == {clearing.pk, alice_usd.pk}


@pytest.fixture
def one_entry(books):
    clearing, _, alice_usd = books[0], books[1], books[2]
    with transaction.atomic():
        txn = post(kind="deposit", legs=[Leg(clearing, Money(-1_00, "USD")), Leg(alice_usd, Money(1_00, "USD"))])
    return txn, txn.entries.first()


def test_entries_and_transactions_cannot_be_changed_through_the_orm(one_entry):
    txn, entry = one_entry
    attempts = [
        lambda: Entry.objects.filter(pk=entry.pk).update(amount=2_00),
        lambda: Entry.objects.filter(pk=entry.pk).delete(),
        lambda: Entry.objects.all().delete(),
        lambda: txn.entries.all().update(amount=0),
        lambda: entry.save(),
        lambda: entry.delete(),
        lambda: Entry.objects.bulk_update([entry], ["amount"]),
        lambda: Transaction.objects.filter(pk=txn.pk).update(memo="edited"),
        lambda: Transaction.objects.filter(pk=txn.pk).delete(),
        lambda: txn.save(),
        lambda: txn.delete(),
    ]
    for attempt in attempts:
        # Each in its own savepoint: bulk_update fails inside an atomic block of its own.
        with pytest.raises(TypeError, match="immutable"), transaction.atomic():
            attempt()
    entry.refresh_from_db()
    assert entry.amount in (1_00, -1_00)
    assert Entry.objects.filter(transaction=txn).count() == 2


def test_a_movement_with_a_unique_key_is_written_in_one_statement_without_a_savepoint(books):
    # The unique key decides in the INSERT itself (ON CONFLICT DO NOTHING): the first posting
    # writes its transaction row with one statement, a second one writes nothing and is refused.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clearing, _, alice_usd = books[0], books[1], books[2]
    legs = [Leg(clearing, Money(-5_00, "USD")), Leg(alice_usd, Money(5_00, "USD"))]
    with transaction.atomic(), CaptureQueriesContext(connection) as first:
        txn = post(kind="deposit", legs=legs, unique_key="once", memo="first")
    rows = _rows()
    with pytest.raises(AlreadyPosted), transaction.atomic(), CaptureQueriesContext(connection) as second:
        post(kind="deposit", legs=legs, unique_key="once", memo="second")

    for captured in (first, second):
        inner = [q["sql"] for q in captured.captured_queries]
        assert not [sql for sql in inner if "SAVEPOINT" in sql.upper()]
        assert len([sql for sql in inner if sql.startswith('INSERT INTO "ledger_transaction"')]) == 1
    assert _rows() == rows
    stored = Transaction.objects.get(unique_key="once")
    assert (stored.pk, stored.public_id, stored.memo, stored.kind) == (txn.pk, txn.public_id, "first", "deposit")
    assert stored.created_at == txn.created_at
    assert sorted(stored.entries.values_list("amount", flat=True)) == [-5_00, 5_00]
