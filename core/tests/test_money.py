"""Money is integer minor units with a currency: exact, never a float, never mixed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import MAX_AMOUNT, Money, MoneyError, share


@pytest.mark.parametrize(
    ("major", "currency", "minor"),
    [
        ("0.30", "USD", 30),
        ("19.99", "EUR", 1999),
        ("100", "GBP", 10000),
        ("-5.5", "USD", -550),
        ("1500", "JPY", 1500),
        (Decimal("0.01"), "USD", 1),
    ],
)
def test_from_major_converts_to_minor_units(major, currency, minor):
    assert Money.from_major(major, currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("major", "currency"),
    [("0.001", "USD"), ("0.5", "JPY"), ("ten", "USD"), ("", "USD"), ("1", "XBT"), (None, "USD")],
)
def test_from_major_refuses_what_is_not_money(major, currency):
    with pytest.raises(MoneyError):
        Money.from_major(major, currency)


@pytest.mark.parametrize("value", [0.5, 19.99, 1.0, True])
def test_from_major_refuses_floats_and_bools(value):
    # Decimal(0.5) is exact, so a float could slip through whenever it happens to be binary-exact.
    with pytest.raises(MoneyError):
        Money.from_major(value, "USD")


@pytest.mark.parametrize("amount", [1.0, 19.99, True, False, "100", Decimal(1), None])
def test_money_refuses_anything_but_an_int(amount):
    with pytest.raises(MoneyError):
        Money(amount, "USD")


def test_money_refuses_unknown_currencies_and_absurd_amounts():
    with pytest.raises(MoneyError):
        Money(1, "usd")
    with pytest.raises(MoneyError):
        Money(MAX_AMOUNT + 1, "USD")
    assert Money(-MAX_AMOUNT, "USD").amount == -MAX_AMOUNT


@pytest.mark.parametrize(
    ("money", "text"),
    [
        (Money(9500, "USD"), "95.00 USD"),
        (Money(5, "EUR"), "0.05 EUR"),
        (Money(0, "GBP"), "0.00 GBP"),
        (Money(123_456_789, "USD"), "1,234,567.89 USD"),
        (Money(-550, "USD"), "-5.50 USD"),
        (Money(1500, "JPY"), "1,500 JPY"),
    ],
)
def test_format_writes_major_units_with_the_currency(money, text):
    assert money.format() == text
    assert str(money) == text


def test_arithmetic_keeps_the_currency_and_refuses_to_mix():
    assert Money(150, "USD") + Money(50, "USD") == Money(200, "USD")
    assert Money(150, "USD") - Money(200, "USD") == Money(-50, "USD")
    assert -Money(5, "EUR") == Money(-5, "EUR")
    with pytest.raises(MoneyError, match="cannot combine USD with EUR"):
        Money(1, "USD") + Money(1, "EUR")
    with pytest.raises(MoneyError):
        Money(1, "USD") - Money(1, "GBP")


def test_money_is_immutable():
    money = Money(1, "USD")
    with pytest.raises(AttributeError):
        money.amount = 2  # type: ignore[misc]


@pytest.mark.parametrize(
    ("amount", "num", "den", "expected"),
    [
        (5, 1, 2, 3),  # 2.5 rounds up, not to even
        (25, 1, 10, 3),  # 2.5 again
        (15, 1, 10, 2),  # 1.5 rounds up
        (1, 1, 3, 0),  # 0.33 rounds down
        (2, 1, 3, 1),  # 0.67 rounds up
        (-5, 1, 2, -3),  # half away from zero
        (10_000, 5, 100, 500),
        (1999, Decimal("3.5"), 100, 70),  # 69.965 -> 70
        (10**12, 999_999, 10**6, 999_999 * 10**6),
    ],
)
def test_share_rounds_half_up(amount, num, den, expected):
    assert share(amount, num, den) == expected


def test_share_refuses_division_by_zero():
    with pytest.raises(MoneyError):
        share(10, 1, 0)


@given(st.integers(0, 10**12), st.integers(1, 10**9), st.data())
def test_a_share_and_its_remainder_add_up_to_the_whole(amount, denominator, data):
    numerator = data.draw(st.integers(0, denominator))
    part = share(amount, numerator, denominator)
    assert 0 <= part <= amount
    assert part + (amount - part) == amount
    # Never more than half a minor unit from the exact value.
    assert abs(Decimal(part) - Decimal(amount) * numerator / denominator) <= Decimal("0.5")


@given(st.integers(-MAX_AMOUNT, MAX_AMOUNT), st.sampled_from(["USD", "EUR", "JPY"]))
def test_to_major_and_from_major_round_trip(amount, currency):
    money = Money(amount, currency)
    assert Money.from_major(money.to_major(), currency) == money
    assert Money.from_major(str(money.to_major()), currency) == money
