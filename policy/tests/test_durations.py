"""A policy's durations as people read them, with each language's plural forms."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from policy.rules import humane


@pytest.mark.parametrize(
    ("delta", "english", "russian"),
    [
        (timedelta(hours=1), "1 hour", "1 час"),
        (timedelta(hours=2), "2 hours", "2 часа"),
        (timedelta(hours=5), "5 hours", "5 часов"),
        (timedelta(hours=21), "21 hours", "21 час"),
        (timedelta(hours=22), "22 hours", "22 часа"),
        (timedelta(hours=48), "48 hours", "48 часов"),
        (timedelta(hours=72), "72 hours", "72 часа"),
        (timedelta(days=7), "7 days", "7 дней"),
        (timedelta(days=21), "21 days", "21 день"),
        (timedelta(days=4), "4 days", "4 дня"),
        (timedelta(minutes=15), "15 minutes", "15 минут"),
        (timedelta(minutes=1), "1 minute", "1 минута"),
        (timedelta(minutes=3), "3 minutes", "3 минуты"),
        (timedelta(seconds=90), "90 seconds", "90 секунд"),
    ],
)
def test_a_duration_reads_with_the_right_plural_form(delta: timedelta, english: str, russian: str) -> None:
    with translation.override("en"):
        assert humane(delta) == english
    with translation.override("ru"):
        assert humane(delta) == russian
