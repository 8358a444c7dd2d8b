from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from core.errors import DomainError
from ops.privacy import erase_user


class Command(BaseCommand):
    help = "Anonymises one person; ledger lines and case records stay (docs/privacy.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--by", required=True, help="The staff member who carries out the request.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        staff = User.objects.filter(username=options["by"], is_staff=True, is_active=True).first()
        if user is None or staff is None:
            raise CommandError("name an existing user and an active staff member (--by)")
        try:
            erased = erase_user(user_id=user.pk, by=staff)
        except DomainError as exc:
            raise CommandError(exc.detail) from None
        self.stdout.write(self.style.SUCCESS(f"erased: {options['username']} is now {erased.username}"))
