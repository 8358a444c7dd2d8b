"""Everything `parley ledger-check` and `GET /api/v1/ledger/check` verify."""

from __future__ import annotations

from dataclasses import dataclass

from ledger import checks as ledger_checks
from ledger.models import Account, Entry, Transaction
from orders import checks as order_checks
from payments import checks_ledger as payment_checks


@dataclass(frozen=True, slots=True)
class Report:
    problems: list[str]
    summary: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def run_checks() -> Report:
    problems = ledger_checks.problems() + order_checks.problems() + payment_checks.problems()
    summary = [
        f"accounts: {Account.objects.count()}",
        f"transactions: {Transaction.objects.count()}",
        f"entries: {Entry.objects.count()}",
    ]
    return Report(problems=problems, summary=summary)
