"""Spotting messages that point off the platform (PRODUCT.md §16): e-mail addresses, phone
numbers, messenger contacts, payment outside Parley, crypto addresses and outside links, with
the usual disguises ("name at gmail dot com", "собака"/"точка", s p a c e d letters, spelled
digits). The words come from the vocabularies (`chat.vocabulary`, English and Russian); this
module holds only the mechanics. Order numbers, game keys, codes, prices and ids are not
contact.

`findings()` says what kind of contact a message holds, for the reminder both sides see;
`flags_for()` gives the stored flags (`off_platform_contact`)."""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chat.vocabulary import Vocabulary

OFF_PLATFORM = "off_platform_contact"

KINDS: dict[str, str] = {
    "email": "an e-mail address",
    "phone": "a phone number",
    "messenger": "a messenger contact",
    "payment": "payment outside Parley",
    "crypto": "a crypto wallet address",
    "link": "a link outside Parley",
    "contact": "a request for contact details",
}
WINDOW = 40  # characters around a messenger's or payment system's name searched for a cue


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str  # a key of KINDS
    detail: str = ""  # which messenger or payment system, when known

    @property
    def label(self) -> str:
        base = KINDS[self.kind]
        return f"{base} ({self.detail})" if self.detail else base

    def as_dict(self) -> dict[str, str]:
        return {"flag": OFF_PLATFORM, "kind": self.kind, "detail": self.detail, "reason": self.label}


# Patterns built from the vocabularies ----------------------------------------------------------


def _alternation(words: Iterable[str]) -> str:
    """Whole-word alternation; a trailing * matches any ending, spaces any run of spaces."""
    parts = []
    for word in sorted(set(words), key=len, reverse=True):
        stem, wild = (word[:-1], True) if word.endswith("*") else (word, False)
        body = r"\s+".join(re.escape(piece) for piece in stem.split())
        parts.append(body + (r"\w*" if wild else ""))
    return "(?:" + "|".join(parts) + ")"


def _words(words: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w@]){_alternation(words)}(?![\w])", re.I)


@dataclass(frozen=True)
class Compiled:
    email: re.Pattern[str]
    email_provider: re.Pattern[str]
    provider_word: re.Pattern[str]
    spelled_dot: re.Pattern[str]
    contact_request: re.Pattern[str]
    messenger: re.Pattern[str]
    messenger_names: dict[str, str]  # a matched word's stem → the messenger's name
    display_names: dict[str, str]
    contact_cue: re.Pattern[str]
    handle_after: re.Pattern[str]
    not_handles: frozenset[str]
    strong_intro: re.Pattern[str]
    phone_cue: re.Pattern[str]
    phone_not_cue: re.Pattern[str]
    number_words: dict[str, tuple[str, int]]  # word → (units|teens|tens|hundreds|plus, value)
    payment_brand: re.Pattern[str]
    payment_cue: re.Pattern[str]
    payment_phrase: re.Pattern[str]
    payment_labels: dict[str, str]
    link: re.Pattern[str]
    bare_domain: re.Pattern[str]
    spelled_domain: re.Pattern[str]
    marketplace: re.Pattern[str]
    allowed_hosts: tuple[str, ...]


def compile_vocabulary(v: Vocabulary) -> Compiled:
    at = _alternation(v.merged(lambda lang: lang.email.at))
    dot = _alternation(v.merged(lambda lang: lang.email.dot))
    tlds = _alternation(v.common.links.tlds)
    providers = _alternation(v.merged(lambda lang: lang.email.providers))
    at_sign = rf"(?:\s*@\s*|\s*[\(\[\{{<]\s*{at}\s*[\)\]\}}>]\s*|\s+{at}\s+|\s*-\s*{at}\s*-\s*)"
    dot_sign = rf"(?:\s*\.\s*|\s*[\(\[\{{<]\s*{dot}\s*[\)\]\}}>]\s*|\s+{dot}\s+|\s*,\s*)"
    handle = r"(?<![\w.%+-])[\w][\w.%+-]{0,63}"
    label = r"[\w-]{1,63}"
    email = re.compile(rf"{handle}{at_sign}{label}(?:{dot_sign}{label}){{0,3}}{dot_sign}{tlds}(?![\w])", re.I)
    email_provider = re.compile(rf"{handle}{at_sign}{providers}(?![\w])", re.I)

    names: dict[str, str] = {}
    messenger_words: list[str] = []
    for language in v.languages.values():
        for name, words in language.messengers.items():
            messenger_words += words
            for word in words:
                names.setdefault(word.rstrip("*"), name)
    link_dot = _alternation(v.merged(lambda lang: lang.links.dot) or ["dot"])
    number_words: dict[str, tuple[str, int]] = {}
    for language in v.languages.values():
        n = language.numbers
        for group, table in (("units", n.units), ("teens", n.teens), ("tens", n.tens), ("hundreds", n.hundreds)):
            for word, value in table.items():
                number_words[word] = (group, value)
        for word in n.plus:
            number_words[word] = ("plus", 0)
    intro = _alternation(v.merged(lambda lang: lang.contact.handle_intro + lang.contact.owner_words) or ["is"])
    return Compiled(
        email=email,
        email_provider=email_provider,
        provider_word=_words(v.merged(lambda lang: lang.email.providers)),
        spelled_dot=re.compile(rf"(?<![\w]){dot}(?![\w])", re.I),
        contact_request=_words(v.merged(lambda lang: lang.contact.requests)),
        messenger=_words(messenger_words),
        messenger_names=names,
        display_names=dict(v.common.messenger_names),
        contact_cue=_words(v.merged(lambda lang: lang.contact.cues)),
        handle_after=re.compile(
            rf"\A[ \t]*((?:(?:[:=>\-\u2013\u2014]|{intro}(?![\w]))[ \t]*)+)[:\-]?[ \t]*(@?[\w][\w.#\-]{{2,40}})", re.I
        ),
        not_handles=frozenset(v.merged(lambda lang: lang.contact.not_handles)),
        strong_intro=_words(v.merged(lambda lang: lang.contact.handle_intro)),
        phone_cue=_words(v.merged(lambda lang: lang.phone.cues)),
        phone_not_cue=_words(v.merged(lambda lang: lang.phone.not_cues)),
        number_words=number_words,
        payment_brand=_words(v.merged(lambda lang: lang.payment.brands)),
        payment_cue=_words(v.merged(lambda lang: lang.payment.cues)),
        payment_phrase=_words(v.merged(lambda lang: lang.payment.phrases)),
        payment_labels={k: val for lang in v.languages.values() for k, val in lang.payment.labels.items()},
        link=re.compile(r"(?<![\w.])(?:https?://|www\.)[^\s<>\"']+", re.I),
        bare_domain=re.compile(
            rf"(?<![\w.@/-])((?:[\w-]{{1,63}}\.){{1,4}}{tlds})(?![\w.]*@)(?:[/:][^\s<>\"']*)?(?![\w])", re.I
        ),
        spelled_domain=re.compile(
            rf"(?<![\w])([\w-]{{2,63}})(?:\s*[\(\[\{{]\s*{link_dot}\s*[\)\]\}}]\s*|\s+{link_dot}\s+){tlds}(?![\w])",
            re.I,
        ),
        marketplace=_words(v.merged(lambda lang: lang.links.marketplaces)),
        allowed_hosts=tuple(v.common.links.allowed_hosts),
    )


@cache
def _compiled() -> Compiled:
    from chat.vocabulary import load

    return compile_vocabulary(load())


# Normalising the disguises ---------------------------------------------------------------------

_ZERO_WIDTH = re.compile(r"[\u00ad\u200b-\u200f\u2060\ufeff]")
# Runs of single letters or digits with separators between them: "b o b @ g m a i l . c o m".
_SPACED = re.compile(r"(?<![\w])(?:\w[ \t._*\-]{1,2}){3,}\w(?![\w])")
_SEPARATORS = re.compile(r"[ \t._*\-]")


def normalise(text: str) -> str:
    """Folds full-width and compatibility forms, drops zero-width characters and lowercases."""
    return _ZERO_WIDTH.sub("", unicodedata.normalize("NFKC", text)).lower()


def _collapsed(text: str) -> str:
    def join(match: re.Match[str]) -> str:
        value = match.group(0)
        # Keep the dot and the at-sign that an address needs: "b o b @ g m a i l . c o m".
        return _SEPARATORS.sub(lambda m: "." if m.group(0) == "." else "", value)

    return _SPACED.sub(join, text)


# The detectors -----------------------------------------------------------------------------------

_DIGIT_RUN = re.compile(r"(?<![\w/#№.,])\+?\d(?:[ \t().\-]{0,3}\d){0,24}(?![\w])")
_DATES_AND_TIMES = re.compile(
    r"(?<!\d)\d{4}-\d{1,2}-\d{1,2}(?:[t ]\d{1,2}:\d{2})?(?!\d)|(?<!\d)\d{1,2}[./]\d{1,2}[./]\d{2,4}(?!\d)"
    r"|(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)|(?<!\d)\d{1,3}(?:[ ,]\d{3})*[.,]\d{2}(?!\d)"
)
_GROUPED = re.compile(r"^\+?\d{1,3}[ \t\-]?\(?\d{3}\)?[ \t\-]?\d{2,3}[ \t\-]?\d{2}[ \t\-]?\d{2,4}$")


def _phones(text: str, c: Compiled) -> bool:
    text = _DATES_AND_TIMES.sub(" | ", text)
    for run in _DIGIT_RUN.finditer(text):
        value = run.group(0)
        digits = sum(ch.isdigit() for ch in value)
        if not 8 <= digits <= 15:
            continue
        before = text[max(0, run.start() - 30) : run.start()]
        if c.phone_not_cue.search(before):
            continue
        plain = re.sub(r"\D", "", value)
        around = text[max(0, run.start() - WINDOW) : run.end() + WINDOW]
        russian_mobile = (digits == 11 and plain[:2] in ("79", "89")) or (digits == 10 and plain[0] == "9")
        if value.startswith("+") or "(" in value or c.phone_cue.search(around) or russian_mobile:
            return True
        if _GROUPED.match(value.strip()) and 10 <= digits <= 12:
            return True
    return False


_TOKEN = re.compile(r"\+|\d+|[^\W\d_]+")


def _spelled_digits(text: str, c: Compiled) -> bool:
    """A run of number words (and digits) spelling seven or more digits: a phone number told in
    words ("eight nine one six ...", "восемь девятьсот шестнадцать сто двадцать три ...")."""
    run: list[str] = []
    words = 0
    last_end = 0
    for token in _TOKEN.finditer(text):
        gap = text[last_end : token.start()]
        last_end = token.end()
        word = token.group(0)
        known = word.isdigit() or word == "+" or word in c.number_words
        if run and (not known or not re.fullmatch(r"[\s,.\-()]*", gap)):
            if words >= 3 and len(_digits_of(run, c)) >= 7:
                return True
            run, words = [], 0
        if known:
            run.append(word)
            words += word in c.number_words
    return words >= 3 and len(_digits_of(run, c)) >= 7


def _digits_of(tokens: list[str], c: Compiled) -> str:
    out: list[str] = []
    value, slot = 0, ""
    for token in tokens:
        if token.isdigit():
            if slot:
                out.append(str(value))
                value, slot = 0, ""
            out.append(token)
            continue
        group, number = c.number_words.get(token, ("plus", 0))
        if group == "plus":
            continue
        if group == "hundreds":
            if slot:
                out.append(str(value))
            value, slot = number, "hundreds"
        elif group in ("tens", "teens"):
            if slot == "hundreds":
                value += number
                slot = "tens" if group == "tens" else "done"
            else:
                if slot:
                    out.append(str(value))
                value, slot = number, "tens" if group == "tens" else "done"
            if slot == "done":
                out.append(str(value))
                value, slot = 0, ""
        else:  # a unit
            if slot in ("hundreds", "tens"):
                out.append(str(value + number))
                value, slot = 0, ""
            else:
                out.append(str(number))
    if slot:
        out.append(str(value))
    return "".join(out)


_AT_HANDLE = re.compile(r"(?<![\w@.])@[a-z_\u0430-\u044f][\w.]{2,31}(?![\w@])", re.I)
_DISCORD_TAG = re.compile(r"(?<![\w#])[\w.]{2,32}#\d{4}(?!\d)")
_MESSENGER_LINK = re.compile(
    r"(?<![\w.])(?:t\.me|telegram\.me|wa\.me|discord\.gg|discord\.com/invite|discordapp\.com/users|vk\.com|vk\.me"
    r"|m\.me|instagram\.com|facebook\.com|join\.skype\.com|signal\.me|viber\.click)/\S+|(?<![\w])live:[\w.]{3,}",
    re.I,
)


def _messengers(text: str, c: Compiled) -> list[Finding]:
    found: list[Finding] = []
    if _MESSENGER_LINK.search(text):
        found.append(Finding("messenger"))
    if _DISCORD_TAG.search(text):
        found.append(Finding("messenger", "Discord"))
    handles = _AT_HANDLE.findall(text)
    short = len(re.sub(r"[\W_]+", " ", text).split()) <= 3  # "telegram?", "есть тг?"
    cues = [m.span() for m in c.contact_cue.finditer(text)]  # one pass, however many mentions
    for mention in c.messenger.finditer(text):
        # Only the next few characters can hold a handle.
        after = c.handle_after.match(text[mention.end() : mention.end() + 80])
        handle = _handle(after, c) if after else None
        near = _near(cues, mention.start() - WINDOW, mention.end() + WINDOW)
        if (handle and _looks_like_handle(handle, c)) or handles or short or near:
            found.append(Finding("messenger", _messenger_name(mention.group(0), c)))
            break
    if handles and not found and c.contact_cue.search(text):
        found.append(Finding("messenger"))
    if c.contact_request.search(text):
        found.append(Finding("contact"))
    return found


def _near(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether any span lies within [start, end) (spans are in text order)."""
    index = bisect.bisect_left(spans, (start, -1))
    return index < len(spans) and spans[index][1] <= end


def _messenger_name(word: str, c: Compiled) -> str:
    key = re.sub(r"\s+", " ", word.lower())
    for stem, name in c.messenger_names.items():
        if key == stem or key.startswith(stem):
            return c.display_names.get(name, name.capitalize())
    return ""


def _handle(after: re.Match[str], c: Compiled) -> str | None:
    """The handle after a messenger's name, when it is one: "tg: bob", "discord is bob", or a
    handle-shaped word ("discord - bob_77"); a plain word after a dash or "my" is not."""
    intro, handle = after.group(1), after.group(2)
    shaped = handle.startswith("@") or re.search(r"[\d_.#]", handle) is not None
    if shaped or ":" in intro or "=" in intro or c.strong_intro.search(intro):
        return handle
    return None


def _looks_like_handle(handle: str, c: Compiled) -> bool:
    bare = handle.lstrip("@").rstrip(".-")
    return len(bare) >= 3 and bare.lower() not in c.not_handles


_CASHTAG = re.compile(r"(?<![\w$])\$[a-z][\w]{2,19}(?![\w])|(?<![\w@])@[a-z][\w.]{2,}", re.I)
_CARD = re.compile(r"(?<![\w])\d{4}(?:[ \t\-]?\d{4}){3}(?:[ \t\-]?\d{1,3})?(?![\w])")
_CARD_CUE = re.compile(r"(?<!gift )(?<!gift-)\b(?:card|visa|mastercard|карт\w*|мир)\b", re.I)


def _payments(text: str, c: Compiled) -> list[Finding]:
    found: list[Finding] = []
    phrase = c.payment_phrase.search(text)
    if phrase:
        found.append(Finding("payment", _brand_label(phrase.group(0), c)))
    for brand in c.payment_brand.finditer(text):
        window = text[max(0, brand.start() - WINDOW) : brand.end() + WINDOW]
        if c.payment_cue.search(window.replace(brand.group(0), " ")) or _CASHTAG.search(window):
            found.append(Finding("payment", _brand_label(brand.group(0), c)))
            break
    for card in _CARD.finditer(text):
        before = text[max(0, card.start() - WINDOW) : card.start()]
        if _luhn(re.sub(r"\D", "", card.group(0))) and _CARD_CUE.search(before):
            found.append(Finding("payment", "card transfer"))
    return found


def _brand_label(word: str, c: Compiled) -> str:
    key = word.lower()
    for stem, label in c.payment_labels.items():
        if stem in key.replace(" ", ""):
            return label
    return ""


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return len(digits) >= 13 and total % 10 == 0


_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_ADDRESS = re.compile(r"(?<![\w])[13T][1-9A-HJ-NP-Za-km-z]{25,34}(?![\w])")
_ETH = re.compile(r"(?<![\w])0x[0-9a-fA-F]{40}(?![\w])")
_BECH32 = re.compile(r"(?<![\w])(?:bc|ltc|tb)1[02-9ac-hj-np-z]{11,71}(?![\w])", re.I)


def _base58check(address: str) -> bool:
    number = 0
    for ch in address:
        number = number * 58 + _B58.index(ch)
    raw = number.to_bytes(25, "big") if number.bit_length() <= 200 else b""
    if len(raw) != 25:
        return False
    body, checksum = raw[:-4], raw[-4:]
    return hashlib.sha256(hashlib.sha256(body).digest()).digest()[:4] == checksum


def _crypto(original: str) -> list[Finding]:
    found: list[Finding] = []
    for match in _BASE58_ADDRESS.finditer(original):
        address = match.group(0)
        if _base58check(address):
            found.append(Finding("crypto", "TRX" if address.startswith("T") else "BTC"))
    if _ETH.search(original):
        found.append(Finding("crypto", "ETH"))
    if _BECH32.search(original):
        found.append(Finding("crypto", "BTC"))
    return found


_STRONG_AT = re.compile(r"@|[\(\[\{<]\s*\w+\s*[\)\]\}>]|собак|sobaka|\s-\s*\w+\s*-", re.I)


def _emails(text: str, c: Compiled) -> bool:
    """An address, or a mail provider with a handle. "name at host.com" in words is an address
    only with a mail provider or a spelled dot: "redeem it at store.steampowered.com" is not."""
    for match in c.email.finditer(text):
        value = match.group(0)
        if _STRONG_AT.search(value) or c.spelled_dot.search(value) or c.provider_word.search(value):
            return True
    if c.email_provider.search(text):
        return True
    for provider in c.provider_word.finditer(text):
        after = c.handle_after.match(text[provider.end() : provider.end() + 80])
        if after and _looks_like_handle(after.group(2), c) and re.search(r"[\d._]", after.group(2)):
            return True
    return False


def _host_of(link: str) -> str:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", link.lower()).split("/")[0].split(":")[0]
    return host.rstrip(".,;!?)")


def _is_fine(host: str, own_hosts: tuple[str, ...], c: Compiled) -> bool:
    for allowed in (*own_hosts, *c.allowed_hosts):
        allowed = allowed.lower().lstrip(".")
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


def _links(text: str, own_hosts: tuple[str, ...], c: Compiled) -> list[Finding]:
    found: list[Finding] = []
    candidates = [m.group(0) for m in c.link.finditer(text)]
    candidates += [m.group(1) for m in c.bare_domain.finditer(text) if re.search(r"[^\W\d_]", m.group(1).split(".")[0])]
    if any(not _is_fine(_host_of(link), own_hosts, c) for link in candidates):
        found.append(Finding("link"))
    spelled = c.spelled_domain.search(text)
    if spelled:
        found.append(Finding("link"))
    market = c.marketplace.search(text)
    if market:
        found.append(Finding("link", f"another marketplace: {market.group(0)}"))
    return found


def findings(body: str, *, own_hosts: tuple[str, ...] = ()) -> list[Finding]:
    """What kinds of off-platform contact `body` holds, each kind once, in a fixed order."""
    c = _compiled()
    text = normalise(body)
    variants = {text, _collapsed(text)}
    found: list[Finding] = list(_crypto(unicodedata.normalize("NFKC", _ZERO_WIDTH.sub("", body))))
    for variant in variants:
        if _emails(variant, c):
            found.append(Finding("email"))
        if _phones(variant, c) or _spelled_digits(variant, c):
            found.append(Finding("phone"))
        found += _messengers(variant, c)
        found += _payments(variant, c)
        if not any(f.kind == "email" for f in found):
            found += _links(variant, own_hosts, c)
    return _one_per_kind(found)


def _one_per_kind(found: list[Finding]) -> list[Finding]:
    best: dict[str, Finding] = {}
    for finding in found:
        if finding.kind not in best or (finding.detail and not best[finding.kind].detail):
            best[finding.kind] = finding
    return [best[kind] for kind in KINDS if kind in best]


def flags_for(body: str, *, own_hosts: tuple[str, ...] = ()) -> list[str]:
    """The flags a message earns; `own_hosts` are links to the platform itself, which are fine."""
    return [OFF_PLATFORM] if findings(body, own_hosts=own_hosts) else []
