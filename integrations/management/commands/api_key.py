"""`parley api-key create --name NAME [--scopes users events …]`: prints a new key's secret, once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.actors import SystemActor
from core.errors import DomainError
from integrations import actions, scopes


class Command(BaseCommand):
    help = "Creates an API key and prints its secret (shown this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("--name", required=True)
        parser.add_argument("--scopes", nargs="+", choices=scopes.ALL, help=f"default: {' '.join(scopes.DEFAULT)}")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            key, secret = actions.create_key(name=options["name"], scopes=options["scopes"], by=SystemActor(rule="cli"))
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stderr.write(f"Created {key.public_id} ({key.name}; scopes: {', '.join(key.scopes)}). Its secret:")
        self.stdout.write(secret)
