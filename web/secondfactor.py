"""The web's second-factor gate. A session records that its second factor was checked
(`SESSION_KEY`); a staff member's session without it reaches no page but the log-in code
step, the enrolment page and log-out: with an authenticator they are asked for a code, without
one they are sent to enrol. The API has its own rule (`api.auth`)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

SESSION_KEY = "parley_second_factor"
PENDING_KEY = "parley_login_pending"  # {"user": pk, "next": path, "at": epoch seconds}
PENDING_TTL = 300


def mark_checked(request: HttpRequest) -> None:
    request.session[SESSION_KEY] = True


def checked(request: HttpRequest) -> bool:
    return bool(request.session.get(SESSION_KEY))


class StaffSecondFactorRequired:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._open: tuple[str, ...] | None = None

    def _open_paths(self) -> tuple[str, ...]:
        if self._open is None:
            self._open = (
                reverse("web:login_code"),
                reverse("web:two_factor"),
                reverse("web:logout"),
                "/api/",
                "/static/",
                "/healthz",
                "/readyz",
                "/metrics",
            )
        return self._open

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and settings.STAFF_SECOND_FACTOR
            and not checked(request)
            and not request.path.startswith(self._open_paths())
        ):
            from accounts import twofactor

            target = "web:login_code" if twofactor.has_factor(user) else "web:two_factor"
            return HttpResponseRedirect(reverse(target) + "?" + urlencode({"next": request.get_full_path()}))
        return self.get_response(request)
