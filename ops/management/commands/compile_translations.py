"""`parley compile-translations`: builds locale/*/LC_MESSAGES/django.mo from the .po files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from core.translations import compile_catalogues


class Command(BaseCommand):
    help = "Compile the translation catalogues (.po to .mo), in pure Python."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--stale", action="store_true", help="only those older than their .po")

    def handle(self, *args: Any, **options: Any) -> None:
        for path in compile_catalogues(only_stale=options["stale"]):
            self.stdout.write(f"compiled {path}")
