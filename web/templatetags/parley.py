"""Template filters for money, time and statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.html import format_html

from core import locale
from core.money import Money, exponent_of
from policy.rules import humane

register = template.Library()


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    """`{{ order.price|money }}`, or `{{ 1999|money:"USD" }}` for a bare amount."""
    if isinstance(value, Money):
        return local_money(value)
    if isinstance(value, dict):
        return local_money(Money(int(value["amount"]), str(value["currency"])))
    if value is None or currency is None:
        return ""
    return local_money(Money(int(value), currency))


def local_money(value: Money) -> str:
    """`1,234.50 USD` in English, `1 234,50 USD` in Russian: the reader's separators, the
    currency's own number of decimals. (The API keeps minor units and codes.)"""
    places = exponent_of(value.currency)
    number = formats.number_format(Decimal(value.to_major()), places, use_l10n=True, force_grouping=True)
    return f"{number} {value.currency}"


@register.filter
def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def utc(value: datetime | None) -> str:
    """How Parley writes a moment for people: in the reader's time zone, with UTC on hover.
    `12 Mar 2026 14:00 UTC` for a reader in UTC; `12 марта 2026, 17:00 MSK` with the UTC time as
    the element's title for a reader in Moscow."""
    if not value:
        return ""
    here = locale.local(value)
    shown = f"{locale.moment(here, here.tzinfo)} {locale.zone_label(here)}"
    if locale.zone_label(here) == "UTC":
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), shown)
    in_utc = f"{locale.moment(value, UTC)} UTC"
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), in_utc, shown)


@register.filter
def utc_text(value: datetime | None) -> str:
    """The same as `utc` for plain text (e-mails): `12 марта 2026, 17:00 MSK (14:00 UTC)`."""
    return locale.when(value) if value else ""


@register.filter
def duration(value: timedelta | None) -> str:
    """`{{ policy.info_request_due|duration }}` -> `7 days`, as the policy's sentences say it."""
    return humane(value) if value is not None else ""


@register.filter
def label(value: str | None) -> str:
    """`partially_refunded` -> `Partially refunded`."""
    return (value or "").replace("_", " ").capitalize()
