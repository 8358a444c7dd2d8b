"""Who acts: a person (a user, whose role depends on the case) or the system, named by the
policy rule that fired. Every action takes one as its keyword-only `by=` argument."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from accounts.models import User


@dataclass(frozen=True, slots=True)
class SystemActor:
    """The system, acting because `rule` fired (a deadline kind or policy value)."""

    rule: str

    def __str__(self) -> str:
        return f"system ({self.rule})"


Actor = Union["User", SystemActor]
