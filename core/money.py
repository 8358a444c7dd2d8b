"""Money as integer minor units with an ISO 4217 currency. Never floats.

Rounding is defined here once: `share()` rounds half-up, and callers give the remainder to the
other side, so a split always adds up to exactly what was divided (`policy.rules` names the one
share rounded down: a ceiling the seller may keep on a return).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Minor-unit exponents of the currencies Parley accepts. A deployment's policy names which of
# them it trades in; anything else is refused at the edge.
CURRENCY_EXPONENTS: dict[str, int] = {
    "USD": 2,
    "EUR": 2,
    "GBP": 2,
    "CAD": 2,
    "AUD": 2,
    "CHF": 2,
    "PLN": 2,
    "SEK": 2,
    "JPY": 0,
}

MAX_AMOUNT = 10**12  # a trillion minor units: far above any order, far below BIGINT.


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


@dataclass(frozen=True, slots=True)
class Money:
    amount: int
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise MoneyError("amount must be an integer number of minor units")
        if self.currency not in CURRENCY_EXPONENTS:
            raise MoneyError(f"unknown currency {self.currency!r}")
        if abs(self.amount) > MAX_AMOUNT:
            raise MoneyError("amount is out of range")

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def from_major(cls, value: str | Decimal, currency: str) -> Money:
        """`Money.from_major("0.30", "USD") == Money(30, "USD")`; refuses sub-minor precision.

        Refuses floats (and bools) even when they look exact: 0.5 would pass and 0.1 would not,
        so a float anywhere upstream would fail only on some amounts."""
        if isinstance(value, bool | float):
            raise MoneyError(f"{value!r} is a {type(value).__name__}; give a decimal string or Decimal")
        try:
            dec = Decimal(value)
        except (InvalidOperation, TypeError) as exc:
            raise MoneyError(f"{value!r} is not a decimal amount") from exc
        if not dec.is_finite():
            raise MoneyError(f"{value!r} is not a finite amount")
        exponent = exponent_of(currency)
        scaled = dec.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{value} has more than {exponent} decimal places for {currency}")
        return cls(int(scaled), currency)

    def to_major(self) -> Decimal:
        """`Money(1999, "USD").to_major() == Decimal("19.99")`."""
        return Decimal(self.amount).scaleb(-exponent_of(self.currency))

    def as_dict(self) -> dict[str, int | str]:
        return {"amount": self.amount, "currency": self.currency}

    def format(self) -> str:
        """`Money(9500, "USD").format() == "95.00 USD"`."""
        return f"{self.to_major():,.{exponent_of(self.currency)}f} {self.currency}"

    def __str__(self) -> str:
        """As the active language writes it (`1 234,50 USD` in Russian): money dropped into a
        sentence for people (mail, notifications, timelines) reads the reader's way; `format()`
        is the fixed English form."""
        from core import locale

        return locale.money(self)


def exponent_of(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(f"unknown currency {currency!r}") from None


def share(amount: int, numerator: int | Decimal, denominator: int | Decimal) -> int:
    """`amount * numerator / denominator`, rounded half-up to a whole minor unit.

    Exact decimal arithmetic: no float ever touches money.
    """
    if denominator == 0:
        raise MoneyError("division by zero")
    exact = Decimal(amount) * Decimal(numerator) / Decimal(denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
