from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ops.files_check import run


class Command(BaseCommand):
    help = "Verifies that every evidence file and ticket attachment is stored with its recorded SHA-256."

    def handle(self, *args: Any, **options: Any) -> None:
        report = run()
        for problem in report.problems:
            self.stderr.write(f"MISSING OR CHANGED: {problem}")
        if report.problems:
            raise CommandError(f"files check failed: {len(report.problems)} problem(s) in {report.checked} file(s)")
        self.stdout.write(self.style.SUCCESS(f"files check: all {report.checked} file(s) present and intact"))
