from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from ops.privacy import export_user


class Command(BaseCommand):
    help = "Prints everything Parley holds about one person as JSON (a data subject's access request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        self.stdout.write(json.dumps(export_user(user), indent=2, ensure_ascii=False))
