"""`parley demo-code`: the code an authenticator app with the demo staff member's public key
(carol, `ops.demo.STAFF_TOTP_SECRET`) shows now. Only that demo key: it knows no real secret."""

from __future__ import annotations

from typing import Any

import pyotp
from django.core.management.base import BaseCommand

from ops.demo import STAFF_TOTP_SECRET


class Command(BaseCommand):
    help = "Prints the current second-factor code of the demo staff member (carol)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(pyotp.TOTP(STAFF_TOTP_SECRET).now())
