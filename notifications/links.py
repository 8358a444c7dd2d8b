"""Absolute addresses for what Parley sends out of the site (e-mails, the notification API):
a relative path means nothing in a mail client. The base is `PARLEY_PUBLIC_URL`."""

from __future__ import annotations

from django.conf import settings


def public_url() -> str:
    """The address people reach this deployment at, without a trailing slash ("" if unset)."""
    return str(getattr(settings, "PUBLIC_URL", "") or "").rstrip("/")


def absolute(link: str) -> str:
    """`link` (a path of this site, "/orders/ord_…/") as an absolute URL; other values as they are."""
    if not link.startswith("/") or link.startswith("//"):
        return link
    return public_url() + link
