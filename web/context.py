from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from core import clock
from notifications.queries import unread_count


def parley(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "test_clock_enabled": settings.TEST_CLOCK_ENABLED,
        "server_now": clock.now(),
        "unread_notifications": unread_count(user) if user is not None and user.is_authenticated else 0,
    }
