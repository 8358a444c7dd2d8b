from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ops.worker import Worker


class Command(BaseCommand):
    help = "Runs the background worker: deadlines, e-mail, webhooks and housekeeping, each in a loop of its own."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Drain what is due, then exit.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls when idle.")

    def handle(self, *args: Any, **options: Any) -> None:
        Worker(interval=options["interval"]).run(once=options["once"])
