"""The case timeline: audit events told as sentences. Each domain names its event codes once,
in `<domain>/events.py`, each beside the sentence it reads as (`ORDER_DELIVERED =
event("order.delivered", _("{actor} marked the order delivered"))`), and its actions record
them by that name; the timeline is a query over the audit trail.

Sentences are kept translatable (`gettext_lazy`) and told when read, in the language active
then: a Russian reader's page reads Russian, the API (`english`) reads English. A sentence
naming a party is written once per party (`{"buyer": …, "seller": …}`), since Russian declines
the word; the codes an event's data holds (a reason, an outcome) read through the vocabularies
the domains register (`vocabulary`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from string import Formatter
from typing import Any

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from core.models import AuditEvent
from core.money import Money

# A sentence, or one sentence per party keyed by the event's `party` (lazy strings welcome).
Sentence = Any
_SENTENCES: dict[str, Sentence] = {}
_VOCABULARIES: dict[str, Callable[[str], str | None]] = {}


def register(sentences: dict[str, Sentence]) -> None:
    """Adds sentences like `{"order.delivered": _("{actor} marked the order delivered")}`.
    Placeholders: `{actor}` and any key of the event's data."""
    _SENTENCES.update(sentences)


def event(code: str, sentence: Sentence) -> str:
    """Registers how the audit event `code` reads on a timeline, and answers the code, for a
    domain's `events.py` to name it."""
    if _SENTENCES.get(code, sentence) != sentence:
        raise ValueError(f"the event {code!r} already reads differently")
    _SENTENCES[code] = sentence
    return code


def vocabulary(key: str, *labels: Mapping[str, Any] | Callable[[str], str | None]) -> None:
    """How the codes an event's data holds under `key` read: the first of `labels` (value →
    translatable label, e.g. a model's `dict(Reason.choices)`, or a function answering None for
    what it does not know) that knows the value."""

    def read(value: str) -> str | None:
        for known in labels:
            if callable(known):
                told = known(value)
                if told is not None:
                    return told
            elif value in known:
                return str(known[value])
        return None

    _VOCABULARIES[key] = read


@contextmanager
def english() -> Iterator[None]:
    """Tells sentences in English whatever the reader's language: the API's timeline."""
    with translation.override("en"):
        yield


@dataclass(frozen=True, slots=True)
class TimelineItem:
    """One event of a timeline; `text` and `actor` are told in the language active when read."""

    at: datetime
    code: str
    actor_role: str
    rule: str
    event: AuditEvent = field(repr=False, compare=False)

    @property
    def text(self) -> str:
        return sentence(self.event)

    @property
    def actor(self) -> str:  # "alice", "the administration (carol)", "Parley"
        return actor_label(self.event)

    def as_dict(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "code": self.code,
            "text": self.text,
            "actor": self.actor,
            "actor_role": self.actor_role,
            "rule": self.rule,
        }


def actor_label(event: AuditEvent) -> str:
    key = (event.data or {}).get("via_key")
    if event.actor_role == "system" and not key:
        return "Parley"
    if event.actor_role == "system":
        return gettext("Parley (via key %(name)s)") % {"name": key.get("name", "") if isinstance(key, dict) else ""}
    name = event.actor.username if event.actor else gettext("someone")
    label = gettext("the administration (%(name)s)") % {"name": name} if event.actor_role == "staff" else name
    if isinstance(key, dict):
        return gettext("%(label)s (via key %(name)s)") % {"label": label, "name": key.get("name", "")}
    return label


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "…"


def sentence(event: AuditEvent) -> str:
    data = event.data or {}
    template = _SENTENCES.get(event.code)
    if isinstance(template, Mapping):
        template = template.get(str(data.get("party", "")))
    if template is None:
        return event.code.replace(".", " ").replace("_", " ")
    values = _Lenient({k: _plain(k, v) for k, v in data.items() if k != "via_key"})
    values["actor"] = actor = actor_label(event)
    text = Formatter().vformat(str(template), (), values)
    if event.actor_role not in ("staff", "system") and text.startswith(actor):
        return text  # a username keeps its spelling: "alice placed the order", not "Alice"
    return text[:1].upper() + text[1:]


def word(key: str, code: str) -> str:
    """A code as it reads inside a sentence, in the reader's language: `word("reason",
    "not_as_described")` -> "not as described"."""
    return str(_plain(key, code))


def _plain(key: str, value: Any) -> Any:
    if isinstance(value, dict) and {"amount", "currency"} <= set(value):
        return str(Money(int(value["amount"]), str(value["currency"])))
    if isinstance(value, str):
        read = _VOCABULARIES.get(key)
        label = read(value) if read else None
        if label is None:
            return value.replace("_", " ")
        return label[:1].lower() + label[1:]  # inside a sentence: "(not as described)"
    return value


def for_case(case_id: int, *, extra: Q | None = None) -> list[TimelineItem]:
    """Every event of the case (the order and its dispute), oldest first."""
    condition = Q(case_id=case_id)
    if extra is not None:
        condition |= extra
    events = AuditEvent.objects.filter(condition).select_related("actor").order_by("created_at", "id")
    return [TimelineItem(at=e.created_at, code=e.code, actor_role=e.actor_role, rule=e.rule, event=e) for e in events]
