"""System checks for notifications (`parley check --deploy`): the links in e-mails need the
public address of the deployment, and it must be https."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def public_url(app_configs: Any, **kwargs: Any) -> list[Error]:
    value = str(getattr(settings, "PUBLIC_URL", "") or "")
    if not value:
        return [
            Error(
                "PARLEY_PUBLIC_URL is not set: links in e-mails and notifications cannot be absolute.",
                hint="Set PARLEY_PUBLIC_URL to the address people open Parley at, e.g. https://parley.example.org.",
                id="notifications.E001",
            )
        ]
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        return [
            Error(
                f"PARLEY_PUBLIC_URL={value!r} is not an https address of a host.",
                hint="Use https://host[:port][/path], the address people open Parley at.",
                id="notifications.E002",
            )
        ]
    return []
