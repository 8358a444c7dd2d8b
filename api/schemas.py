"""Shapes shared by every API resource."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field, field_validator

from core.money import CURRENCY_EXPONENTS, MAX_AMOUNT, Money


class MoneyIn(Schema):
    amount: int = Field(gt=0, le=MAX_AMOUNT, description="Minor units (cents), a positive integer.")
    currency: str = Field(min_length=3, max_length=3, description="ISO 4217 code, for example USD.")

    @field_validator("amount", mode="before")
    @classmethod
    def _integer_only(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be an integer number of minor units")
        return value

    @field_validator("currency")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in CURRENCY_EXPONENTS:
            raise ValueError(f"unknown currency; one of {', '.join(sorted(CURRENCY_EXPONENTS))}")
        return value

    def to_money(self) -> Money:
        return Money(self.amount, self.currency)


class MoneyOut(Schema):
    amount: int
    currency: str

    @classmethod
    def of(cls, money: Money) -> MoneyOut:
        return cls(amount=money.amount, currency=money.currency)


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    available_at: datetime | None = None


class AllowedAction(Schema):
    action: str
    allowed: bool
    reason: str | None
    available_at: datetime | None


class DeadlineOut(Schema):
    name: str
    at: datetime
    party: str | None
    consequence: str


def shallow_dict(record: Any) -> dict[str, Any]:
    """A dataclass's fields as a dict for a schema to validate, one level deep: `asdict()`
    deep-copies every value, and a schema given a nested schema's instance validates it again."""
    return {f.name: getattr(record, f.name) for f in fields(record)}


def money_fields(money: Money) -> dict[str, Any]:
    """`MoneyOut.of(money)` for a schema that validates it as one of its fields."""
    return {"amount": money.amount, "currency": money.currency}


def page_of[P: Schema](page: type[P], items: list[Any], next_cursor: str | None) -> P:
    """A page of items already validated, one by one, as their schema: building the page with
    `page(items=…)` validates every item (and what it nests) a second time."""
    return page.model_construct(items=items, next_cursor=next_cursor)


ERRORS: dict[int | frozenset[int], Any] = {
    frozenset({400, 401, 403, 404, 409, 422, 429}): Problem,
}
