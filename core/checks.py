"""Deploy-time notices about choices the README documents (`parley check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Info, Tags, register


@register(Tags.security, deploy=True)
def printed_email(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """E-mail printed by the worker instead of sent: allowed, but said out loud."""
    if "mail.E001" in settings.SILENCED_SYSTEM_CHECKS:
        return [
            Info(
                "E-mail is printed to the worker's console, not sent (PARLEY_SMTP_HOST is unset).",
                hint="Set PARLEY_SMTP_HOST (and _PORT, _USER, _PASSWORD) to send notifications by e-mail.",
                id="parley.I001",
            )
        ]
    return []
