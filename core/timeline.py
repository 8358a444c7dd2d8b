"""The case timeline: audit events told as sentences. Each domain names its event codes once,
in `<domain>/events.py`, each beside the sentence it reads as (`ORDER_DELIVERED =
event("order.delivered", "{actor} marked the order delivered")`), and its actions record them
by that name; the timeline is a query over the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from string import Formatter
from typing import Any

from django.db.models import Q

from core.models import AuditEvent

_SENTENCES: dict[str, str] = {}


def register(sentences: dict[str, str]) -> None:
    """Adds sentences like `{"order.delivered": "{actor} marked the order delivered"}`.
    Placeholders: `{actor}` and any key of the event's data."""
    _SENTENCES.update(sentences)


def event(code: str, sentence: str) -> str:
    """Registers how the audit event `code` reads on a timeline, and answers the code, for a
    domain's `events.py` to name it."""
    if _SENTENCES.get(code, sentence) != sentence:
        raise ValueError(f"the event {code!r} already reads differently")
    _SENTENCES[code] = sentence
    return code


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    code: str
    text: str
    actor: str  # "alice", "the administration (carol)", "Parley (guarantee_window)"
    actor_role: str
    rule: str


def actor_label(event: AuditEvent) -> str:
    if event.actor_role == "system" and not (event.data or {}).get("via_key"):
        return "Parley"
    if event.actor_role == "system":
        return f"Parley (via key {event.data['via_key'].get('name', '')})"
    name = event.actor.username if event.actor else "someone"
    label = f"the administration ({name})" if event.actor_role == "staff" else name
    key = (event.data or {}).get("via_key")
    return f"{label} (via key {key.get('name', '')})" if isinstance(key, dict) else label


class _Lenient(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "…"


def sentence(event: AuditEvent) -> str:
    template = _SENTENCES.get(event.code)
    if template is None:
        return event.code.replace(".", " ").replace("_", " ")
    values = _Lenient({k: _plain(v) for k, v in (event.data or {}).items() if k != "via_key"})
    values["actor"] = actor = actor_label(event)
    text = Formatter().vformat(template, (), values)
    if event.actor_role not in ("staff", "system") and text.startswith(actor):
        return text  # a username keeps its spelling: "alice placed the order", not "Alice"
    return text[:1].upper() + text[1:]


def _plain(value: Any) -> Any:
    if isinstance(value, dict) and {"amount", "currency"} <= set(value):
        from core.money import Money

        return Money(int(value["amount"]), str(value["currency"])).format()
    if isinstance(value, str):
        return value.replace("_", " ")
    return value


def for_case(case_id: int, *, extra: Q | None = None) -> list[TimelineItem]:
    """Every event of the case (the order and its dispute), oldest first."""
    condition = Q(case_id=case_id)
    if extra is not None:
        condition |= extra
    events = AuditEvent.objects.filter(condition).select_related("actor").order_by("created_at", "id")
    return [
        TimelineItem(
            at=e.created_at,
            code=e.code,
            text=sentence(e),
            actor=actor_label(e),
            actor_role=e.actor_role,
            rule=e.rule,
        )
        for e in events
    ]
