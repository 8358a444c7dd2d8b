"""The ticket's transition table (PRODUCT.md §5). Actions enforce it; `allowed_actions` and the
pages read it.

Roles: `owner` (who opened the ticket), `staff` (the administration, unless it is their own
ticket) and `system` (a deadline)."""

from __future__ import annotations

from core.transitions import Transition

T = Transition.of

ALL = ("open", "answered", "resolved")
UNRESOLVED = ("open", "answered")

TRANSITIONS: dict[str, Transition] = {
    # The owner writes: the ticket waits for the administration again (a resolved one reopens).
    "reply": T(ALL, "open", ["owner"]),
    # The administration answers: the ticket waits for the owner, and auto-closes if they don't.
    "answer": T(UNRESOLVED, "answered", ["staff"]),
    "resolve": T(UNRESOLVED, "resolved", ["owner", "staff"]),
    "reopen": T(["resolved"], "open", ["owner", "staff"]),
    "auto_resolve": T(["answered"], "resolved", ["system"]),
    # Staff housekeeping; the status stays as it is.
    "note": T(ALL, None, ["staff"]),
    "assign": T(UNRESOLVED, None, ["staff"]),
    "link_dispute": T(ALL, None, ["staff"]),
}

# The actions a person can take on a ticket page, in the order the page shows them.
PERSON_ACTIONS = ("reply", "answer", "note", "resolve", "reopen", "assign", "link_dispute")
