from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.ledger_check import run_checks


class Command(BaseCommand):
    help = "Verifies every ledger invariant; exits non-zero on a breach."

    def handle(self, *args: Any, **options: Any) -> None:
        report = run_checks()
        for line in report.summary:
            self.stdout.write(line)
        if report.problems:
            for problem in report.problems:
                self.stderr.write(f"BREACH: {problem}")
            raise CommandError(f"ledger check failed: {len(report.problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS("ledger check: all invariants hold"))
