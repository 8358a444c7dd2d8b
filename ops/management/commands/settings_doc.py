"""`parley settings-doc`: writes docs/settings.md from ops/settings_registry.py (`--check` only compares)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ops import settings_registry as registry

DOC = Path(settings.BASE_DIR) / "docs" / "settings.md"


class Command(BaseCommand):
    help = "Writes docs/settings.md, the table of every environment variable, from ops/settings_registry.py."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Fail if docs/settings.md is out of date.")

    def handle(self, *args: Any, **options: Any) -> None:
        text = registry.render()
        if options["check"]:
            if not DOC.exists() or DOC.read_text() != text:
                raise CommandError("docs/settings.md is out of date: run `parley settings-doc`.")
            return
        DOC.parent.mkdir(parents=True, exist_ok=True)
        DOC.write_text(text)
        self.stdout.write(f"wrote {DOC}")
