from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ops import demo


class Command(BaseCommand):
    help = (
        "Seeds demo users (alice, bob, carol; password parley-demo), listings, orders and disputes, "
        "and about sixty cases for the staff inbox."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if demo.seed(desk=True):
            self.stdout.write(self.style.SUCCESS("Demo data seeded."))
        else:
            self.stdout.write("The database already has users; demo data left alone.")
