"""Transition tables as data. A domain declares `TRANSITIONS: dict[action, Transition]`; its
actions call `check()` and its `allowed_actions` read the same table, so a screen never offers
what the server then refuses."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Choices
from django.utils.translation import gettext as _

from core.errors import Conflict, Forbidden, NotAllowedInState


@dataclass(frozen=True, slots=True)
class Transition:
    sources: frozenset[str]
    target: str | None  # None: the action decides (for example by the outcome it applies)
    roles: frozenset[str]
    # Refused while a deadline of the subject is due but not yet applied: what the deadline
    # does comes first, even if the worker is a moment behind (docs/decisions/0007).
    waits_for_due_deadline: bool = False

    @classmethod
    def of(
        cls,
        sources: Iterable[str],
        target: str | None,
        roles: Iterable[str],
        *,
        waits_for_due_deadline: bool = False,
    ) -> Transition:
        return cls(frozenset(sources), target, frozenset(roles), waits_for_due_deadline)


def choice_label(choices: type[Choices], value: str) -> str:
    """The translated label of one of `choices`' values, as `get_<field>_display()` says it.

    That method builds a dict of every choice first, and hashing the lazy labels translates each
    one: a dispute's fifteen states are fifteen translations for the one word shown."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass(frozen=True, slots=True)
class StepChange:
    """A change of a sub-state kept beside the status (a dispute's return or redelivery step):
    from which steps an action may run, and the step it leaves the subject at."""

    sources: frozenset[str]
    target: str
    refusal: str = ""  # why not, at another step (marked with gettext_noop, translated when said)

    @classmethod
    def of(cls, sources: Iterable[str], target: str, refusal: str = "") -> StepChange:
        return cls(frozenset(sources), target, refusal)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether `action` is allowed now, and if not: why, the error code, and when it will be."""

    action: str
    allowed: bool
    code: str | None = None
    reason: str | None = None
    available_at: datetime | None = None

    @classmethod
    def yes(cls, action: str) -> Verdict:
        return cls(action, True)

    def require(self) -> None:
        """Raises the refusal this verdict describes; does nothing when allowed."""
        if self.allowed:
            return
        detail = self.reason or f"{self.action} is not allowed now."
        if self.code == "forbidden":
            raise Forbidden(detail)
        if self.code == "not_allowed_in_state":
            raise NotAllowedInState(detail)
        raise Conflict(detail, code=self.code, available_at=self.available_at)

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "allowed": self.allowed,
            "reason": self.reason,
            "available_at": self.available_at,
        }


def check(
    table: Mapping[str, Transition],
    action: str,
    *,
    state: str,
    roles: frozenset[str],
    describe_state: str | Callable[[], str] | None = None,
) -> Verdict:
    """The table's verdict on `action` by someone holding `roles` while in `state`.

    `describe_state` may be a function: it is called only for the refusal that names the state
    (a page of orders judges every action of every row, and most are allowed or forbidden)."""
    transition = table[action]
    if not roles & transition.roles:
        return Verdict(action, False, "forbidden", only(transition.roles - {"system"}))
    if state not in transition.sources:
        if callable(describe_state):
            describe_state = describe_state()
        return Verdict(
            action,
            False,
            "not_allowed_in_state",
            _("Not possible while %(value)s.") % {"value": describe_state or state.replace("_", " ")},
        )
    return Verdict.yes(action)


def check_step(table: Mapping[str, StepChange], action: str, *, step: str) -> Verdict:
    """The step table's verdict on `action` at `step`; an action the table does not name keeps
    whatever step the subject is at."""
    change = table.get(action)
    if change is None or step in change.sources:
        return Verdict.yes(action)
    return Verdict(action, False, "not_allowed_in_state", _(change.refusal) if change.refusal else None)


def first_refusal(*verdicts: Verdict) -> Verdict:
    """The first refusing verdict, or the last one when all allow."""
    for verdict in verdicts:
        if not verdict.allowed:
            return verdict
    return verdicts[-1]


def only(roles: frozenset[str] | set[str]) -> str:
    """Who alone may act, as one whole sentence per set of roles (Russian declines the words)."""
    people = tuple(sorted(roles))
    sentences = {
        (): _("Only the system can do this."),
        ("buyer",): _("Only the buyer can do this."),
        ("seller",): _("Only the seller can do this."),
        ("staff",): _("Only the staff can do this."),
        ("buyer", "seller"): _("Only the buyer or seller can do this."),
        ("buyer", "staff"): _("Only the buyer or staff can do this."),
        ("seller", "staff"): _("Only the seller or staff can do this."),
        ("buyer", "seller", "staff"): _("Only the buyer or seller or staff can do this."),
    }
    sentence = sentences.get(people)
    if sentence is not None:
        return str(sentence)
    return _("Only %(who)s can do this.") % {"who": "the " + " or ".join(people)}
