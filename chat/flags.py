"""Spotting messages that point off the platform: e-mail addresses, phone numbers, messenger
handles and outside links, including the usual disguises ("name at gmail dot com")."""

from __future__ import annotations

import re
import unicodedata

OFF_PLATFORM = "off_platform_contact"

_AT = r"(?:@|\s*[\(\[\{]\s*at\s*[\)\]\}]\s*|\s+at\s+)"
_DOT = r"(?:\.|\s*[\(\[\{]\s*dot\s*[\)\]\}]\s*|\s+dot\s+)"
# Each pattern starts only where a word starts (the lookbehinds): tried from every character
# of a long run, they took seconds of CPU on one 5000-character message.
_EMAIL = re.compile(rf"(?<![a-z0-9._%+-])[a-z0-9._%+-]+{_AT}[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}[a-z]{{2,}}\b", re.I)
# A phone number is a run of 8 to 15 digits (E.164 has at most 15) with the usual separators.
# Dates and times are taken out first, and the whole run is counted, so "2026-03-05 14:00" or
# a 16-digit gift-card code is not mistaken for one.
_DIGIT_RUN = re.compile(r"(?<![\w/])\+?\d(?:[\s().-]{0,3}\d){0,24}(?!\w)")
_DATES_AND_TIMES = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}(?:T\d{1,2}:\d{2})?\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
_LINK = re.compile(
    r"\b(?:https?://|www\.)\S+|(?<![a-z0-9.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|io|gg|me|ru|co|info|biz|xyz|app|link|ly|to)\b(?:/\S*)?",
    re.I,
)
_MESSENGERS = re.compile(
    r"\b(?:telegram|tg|whats\s*app|wa\.me|t\.me|discord(?:\.gg)?|skype|signal|viber|wechat|"
    r"snapchat|instagram|insta|facebook|messenger|kik|line\s+id|icq)\b|(?<![\w@])@[a-z][a-z0-9_]{3,}",
    re.I,
)


def _normalise(text: str) -> str:
    # Fold full-width and other compatibility forms of letters and drop zero-width tricks.
    folded = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\u200b-\u200f\u2060\ufeff]", "", folded)


def _has_phone(text: str) -> bool:
    text = _DATES_AND_TIMES.sub(" | ", text)
    return any(8 <= sum(c.isdigit() for c in run.group(0)) <= 15 for run in _DIGIT_RUN.finditer(text))


def flags_for(body: str, *, own_hosts: tuple[str, ...] = ()) -> list[str]:
    """The flags a message earns; `own_hosts` are links to the platform itself, which are fine."""
    text = _normalise(body)
    links = [m.group(0) for m in _LINK.finditer(text)]
    outside_links = [link for link in links if not any(host and host in link.lower() for host in own_hosts)]
    if _EMAIL.search(text) or _has_phone(text) or _MESSENGERS.search(text) or outside_links:
        return [OFF_PLATFORM]
    return []
