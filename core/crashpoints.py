"""Crash injection for the process tests: `PARLEY_CRASH_AT=<point>:<n>` kills the process the
n-th time it reaches `reached("<point>")`, inside whatever transaction is open there, so a test
can prove that nothing half-done survives. Points: `before_commit` (inside a deadline's
transaction, after its effect; `ops.deadlines`) and `withdrawal_answered` (after the payment
provider answered a payout, before it is recorded; `payments.actions`)."""

from __future__ import annotations

import os

VARIABLE = "PARLEY_CRASH_AT"


def reached(point: str) -> None:
    """Counts down the variable's number when it names `point`; exits (137) when it hits zero."""
    spec = os.environ.get(VARIABLE, "")
    if not spec.startswith(point + ":"):
        return
    remaining = int(spec.split(":", 1)[1]) - 1
    os.environ[VARIABLE] = f"{point}:{remaining}"
    if remaining <= 0:
        os._exit(137)
