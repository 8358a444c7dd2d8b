"""System checks for payments (`manage.py check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def sandbox_in_production(app_configs: Any, **kwargs: Any) -> list[Warning | Error]:
    if settings.PAYMENT_PROVIDER not in ("sandbox",):
        return [Error(f"Unknown payment provider {settings.PAYMENT_PROVIDER!r}.", id="parley.E002")]
    if settings.SANDBOX_PAYMENTS and not settings.DEBUG:
        return [
            Warning(
                "Sandbox payments are on: every deposit is accepted without real money behind it.",
                hint="Unset PARLEY_SANDBOX_PAYMENTS and PARLEY_TEST_CLOCK in production.",
                id="parley.W001",
            )
        ]
    return []
