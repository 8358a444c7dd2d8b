"""The vocabularies of off-platform contact (PRODUCT.md §16) are data: one TOML file per
language in `chat/contact/` (`en.toml`, `ru.toml`) beside `common.toml`. They are read and
validated once (`load()`, called at start-up by the app config), so a broken file stops Parley
with a message naming the file and the field, as a broken policy file does; every message is
then checked against every language, because people mix them."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FOLDER = Path(__file__).resolve().parent / "contact"
LANGUAGES = ("en", "ru")

Words = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _no_blanks(values: Words) -> Words:
    cleaned = [v.strip().lower() for v in values]
    if any(not v or v == "*" for v in cleaned):
        raise ValueError("an entry is empty")
    return cleaned


class EmailWords(_Strict):
    at: Words = Field(min_length=1)
    dot: Words = Field(min_length=1)
    providers: Words = []

    _clean = field_validator("at", "dot", "providers")(_no_blanks)


class ContactWords(_Strict):
    cues: Words = Field(min_length=1)
    requests: Words = []
    handle_intro: Words = []
    owner_words: Words = []
    not_handles: Words = []

    _clean = field_validator("cues", "requests", "handle_intro", "owner_words", "not_handles")(_no_blanks)


class PhoneWords(_Strict):
    cues: Words = Field(min_length=1)
    not_cues: Words = []

    _clean = field_validator("cues", "not_cues")(_no_blanks)


class NumberWords(_Strict):
    units: dict[str, int] = Field(min_length=10)
    teens: dict[str, int] = {}
    tens: dict[str, int] = {}
    hundreds: dict[str, int] = {}
    plus: Words = []

    @field_validator("units")
    @classmethod
    def _digits(cls, value: dict[str, int]) -> dict[str, int]:
        if not set(value.values()) <= set(range(10)) or set(value.values()) != set(range(10)):
            raise ValueError("units must name each digit 0-9 and nothing else")
        return {k.lower(): v for k, v in value.items()}

    @field_validator("teens", "tens", "hundreds")
    @classmethod
    def _ranges(cls, value: dict[str, int], info: Any) -> dict[str, int]:
        allowed = {"teens": range(10, 20), "tens": range(20, 100, 10), "hundreds": range(100, 1000, 100)}
        if any(v not in allowed[info.field_name] for v in value.values()):
            raise ValueError(f"a value is out of range for {info.field_name}")
        return {k.lower(): v for k, v in value.items()}


class PaymentWords(_Strict):
    brands: Words = Field(min_length=1)
    cues: Words = []
    phrases: Words = []
    labels: dict[str, str] = {}

    _clean = field_validator("brands", "cues", "phrases")(_no_blanks)


class LinkWords(_Strict):
    marketplaces: Words = []
    dot: Words = []

    _clean = field_validator("marketplaces", "dot")(_no_blanks)


class Language(_Strict):
    language: str
    email: EmailWords
    messengers: dict[str, Words] = Field(min_length=1)
    contact: ContactWords
    phone: PhoneWords
    numbers: NumberWords
    payment: PaymentWords
    links: LinkWords

    @field_validator("messengers")
    @classmethod
    def _names(cls, value: dict[str, Words]) -> dict[str, Words]:
        return {name: _no_blanks(words) for name, words in value.items()}


class CommonLinks(_Strict):
    tlds: Words = Field(min_length=1)
    shorteners: Words = []
    allowed_hosts: Words = []

    _clean = field_validator("tlds", "shorteners", "allowed_hosts")(_no_blanks)


class Common(_Strict):
    language: str
    links: CommonLinks
    messenger_names: dict[str, str] = {}  # how the reminder names a messenger ("whatsapp" → "WhatsApp")


class Vocabulary(_Strict):
    common: Common
    languages: dict[str, Language]

    def merged(self, pick: Any) -> list[str]:
        """Every language's entries of one list, in file order, without repeats."""
        seen: dict[str, None] = {}
        for language in self.languages.values():
            for word in pick(language):
                seen.setdefault(word, None)
        return list(seen)


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ImproperlyConfigured(f"Contact vocabulary {path.name}: {exc}") from None


def _problem(path: Path, exc: ValidationError) -> ImproperlyConfigured:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return ImproperlyConfigured(f"Contact vocabulary {path.name}: {where}: {first['msg']}")


def load_from(folder: Path, languages: tuple[str, ...] = LANGUAGES) -> Vocabulary:
    """Reads and validates the vocabularies in `folder`; ImproperlyConfigured names what is wrong."""
    path = folder / "common.toml"
    try:
        common = Common.model_validate(_read(path))
    except ValidationError as exc:
        raise _problem(path, exc) from None
    parsed: dict[str, Language] = {}
    for code in languages:
        path = folder / f"{code}.toml"
        try:
            parsed[code] = Language.model_validate(_read(path))
        except ValidationError as exc:
            raise _problem(path, exc) from None
        if parsed[code].language != code:
            raise ImproperlyConfigured(f"Contact vocabulary {path.name}: language is {parsed[code].language!r}")
    vocabulary = Vocabulary(common=common, languages=parsed)
    from chat.flags import compile_vocabulary  # every pattern must compile, now rather than on a message

    try:
        compile_vocabulary(vocabulary)
    except re.error as exc:
        raise ImproperlyConfigured(f"Contact vocabulary in {folder.name}: a pattern does not compile: {exc}") from None
    return vocabulary


@cache
def load() -> Vocabulary:
    """The shipped vocabularies, read once per process."""
    return load_from(FOLDER)
