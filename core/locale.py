"""A person's language and time zone: what they chose (accounts.User.language, .time_zone), else
the browser's Accept-Language for the language and UTC for times. Pages, API answers, in-app
notifications and e-mails all go through here."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, tzinfo
from decimal import Decimal
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import dateformat, formats, timezone, translation

from core.money import Money, exponent_of


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@cache
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def valid_language(code: str) -> bool:
    return code in languages()


def valid_time_zone(name: str) -> bool:
    return name in time_zones()


def language_of(user: Any) -> str:
    """The language to write to `user` in when no request is there to ask (e-mails, the worker)."""
    code = str(getattr(user, "language", "") or "")
    return code if valid_language(code) else settings.LANGUAGE_CODE


def zone_of(user: Any) -> tzinfo:
    name = str(getattr(user, "time_zone", "") or "")
    return zoneinfo.ZoneInfo(name) if valid_time_zone(name) else zoneinfo.ZoneInfo("UTC")


def activate_for(user: Any) -> None:
    """Switches the current thread to `user`'s own choices; leaves what is active where they made none."""
    code = str(getattr(user, "language", "") or "")
    if valid_language(code):
        translation.activate(code)
    name = str(getattr(user, "time_zone", "") or "")
    if valid_time_zone(name):
        timezone.activate(zoneinfo.ZoneInfo(name))


@contextmanager
def speaking_to(user: Any) -> Iterator[None]:
    """`with speaking_to(user):` renders text for `user` (their language and zone), then restores."""
    previous_zone = timezone.get_current_timezone()
    with translation.override(language_of(user)):
        timezone.activate(zone_of(user))
        try:
            yield
        finally:
            timezone.activate(previous_zone)


def moment(value: datetime, zone: tzinfo | None = None) -> str:
    """`12 Mar 2026 14:00` / `12 марта 2026, 14:00`: a moment in the active language, in `zone`
    (the active time zone by default)."""
    local = timezone.localtime(value, zone) if timezone.is_aware(value) else value
    russian = (translation.get_language() or "").startswith("ru")
    return str(dateformat.format(local, "j E Y, H:i" if russian else "d M Y H:i"))


def zone_label(value: datetime) -> str:
    name = value.tzname() or ""
    return "UTC" if name in {"UTC", "Z", ""} else name


def local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value.replace(tzinfo=UTC)


def when(value: datetime | None) -> str:
    """A moment for plain text (e-mails, notifications) in the reader's zone and language, UTC
    beside it: `12 марта 2026, 17:00 MSK (14:00 UTC)`; `12 Mar 2026 14:00 UTC` in UTC."""
    if value is None:
        return ""
    here = local(value)
    shown = f"{moment(here, here.tzinfo)} {zone_label(here)}"
    if zone_label(here) == "UTC":
        return shown
    return f"{shown} ({value.astimezone(UTC):%H:%M} UTC)"


def money(value: Money) -> str:
    """`1,234.50 USD` in English, `1 234,50 USD` in Russian: the reader's separators, the
    currency's own number of decimals. (The API keeps minor units and codes.)"""
    places = exponent_of(value.currency)
    number = formats.number_format(Decimal(value.to_major()), places, use_l10n=True, force_grouping=True)
    return f"{number} {value.currency}"
