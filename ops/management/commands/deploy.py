"""`parley deploy`: everything a release needs before its web processes and workers start.

Migrations (which also create the database cache table), the cache table again for a database
migrated by an older release, static files, and Django's deployment checks. Safe to run again;
run it once per release, from one host, before restarting `parley-web` and `parley-worker`."""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Migrates, creates the cache table, collects static files and runs the deployment checks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-check", dest="check", action="store_false", help="Skip `check --deploy` (development)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        say = self.stdout.write if verbosity else (lambda _msg: None)
        say("Applying migrations")
        call_command("migrate", interactive=False, verbosity=max(0, verbosity - 1))
        say("Creating the cache table")
        call_command("createcachetable", verbosity=max(0, verbosity - 1))
        say("Collecting static files")
        call_command("collectstatic", interactive=False, verbosity=max(0, verbosity - 1))
        if options["check"]:
            say("Running the deployment checks")
            call_command("check", deploy=True, fail_level="WARNING")
        say("Ready: start or restart the web processes and the worker.")
