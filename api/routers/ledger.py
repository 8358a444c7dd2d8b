from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from api.permissions import require_staff
from api.schemas import ERRORS
from ops.ledger_check import run_checks

router = Router(tags=["ledger"])


class LedgerCheckOut(Schema):
    ok: bool
    problems: list[str]
    summary: list[str]


@router.get("/ledger/check", response={200: LedgerCheckOut, **ERRORS})
def ledger_check(request: HttpRequest) -> LedgerCheckOut:
    """Verifies every ledger invariant over the whole database (staff only)."""
    require_staff(request)
    report = run_checks()
    return LedgerCheckOut(ok=report.ok, problems=report.problems, summary=report.summary)
