"""Template filters for money, time and statuses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template

from core.money import Money
from policy.rules import humane

register = template.Library()


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    """`{{ order.price|money }}`, or `{{ 1999|money:"USD" }}` for a bare amount."""
    if isinstance(value, Money):
        return value.format()
    if isinstance(value, dict):
        return Money(int(value["amount"]), str(value["currency"])).format()
    if value is None or currency is None:
        return ""
    return Money(int(value), currency).format()


@register.filter
def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def utc(value: datetime | None) -> str:
    """`12 Mar 2026 14:00 UTC`: how Parley writes a moment for people."""
    return f"{value:%d %b %Y %H:%M} UTC" if value else ""


@register.filter
def duration(value: timedelta | None) -> str:
    """`{{ policy.info_request_due|duration }}` -> `7 days`, as the policy's sentences say it."""
    return humane(value) if value is not None else ""


@register.filter
def label(value: str | None) -> str:
    """`partially_refunded` -> `Partially refunded`."""
    return (value or "").replace("_", " ").capitalize()
