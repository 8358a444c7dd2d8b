"""A person's web sessions: which devices are signed in (the devices section of `/account/`),
and ending them (`POST /account/sessions/`).

Django's database sessions hold no metadata, so each session records, when it signs in, when
that was, the browser's User-Agent and the client address (`user_logged_in`). Listing a
person's sessions decodes the unexpired rows; that is one scan of the session table, fine for
the thousands of sessions a marketplace's staff and users keep, and pruned hourly by the worker
(`ops/retention.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in
from django.contrib.sessions.models import Session
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_http_methods

from core import clock
from core.http import client_ip

STARTED, AGENT, ADDRESS = "parley_started", "parley_agent", "parley_address"


@receiver(user_logged_in)
def _remember_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[STARTED] = clock.system_now().isoformat()
    request.session[AGENT] = request.headers.get("User-Agent", "")[:200]
    request.session[ADDRESS] = client_ip(request)


def ref_of(session_key: str) -> str:
    """How a page names a session: a keyed hash of its key. The key itself is the sign-in
    cookie, so it never appears in a page (a cached copy or an injected script could use it)."""
    return salted_hmac("parley.sessions.ref", session_key).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class SignedIn:
    key: str
    ref: str
    started: datetime | None
    agent: str
    address: str
    expires: datetime
    current: bool


def sessions_of(user_id: int, *, current_key: str | None = None) -> list[SignedIn]:
    found = []
    for session in Session.objects.filter(expire_date__gt=clock.system_now()).iterator():
        data = session.get_decoded()
        if str(data.get("_auth_user_id")) != str(user_id):
            continue
        started = data.get(STARTED)
        found.append(
            SignedIn(
                key=session.session_key,
                ref=ref_of(session.session_key),
                started=datetime.fromisoformat(started) if started else None,
                agent=str(data.get(AGENT, "")),
                address=str(data.get(ADDRESS, "")),
                expires=session.expire_date,
                current=session.session_key == current_key,
            )
        )
    return sorted(found, key=lambda s: (not s.current, s.started or s.expires), reverse=False)


def end(user_id: int, *, refs: set[str] | None = None, keep: str | None = None) -> int:
    """Ends the person's sessions named by their `refs` (all of them when None), except the one
    whose key is `keep`."""
    ended = 0
    for signed_in in sessions_of(user_id):
        if signed_in.key == keep or (refs is not None and signed_in.ref not in refs):
            continue
        Session.objects.filter(session_key=signed_in.key).delete()
        ended += 1
    return ended


@login_required
@require_http_methods(["GET", "POST"])
def sessions_page(request: HttpRequest) -> HttpResponse:
    """Ends one of the person's sessions, or all but this one; the list itself is the devices
    section of `/account/`, where this page now leads."""
    current = request.session.session_key
    user_id = int(request.user.pk or 0)
    if request.method == "POST":
        which = request.POST.get("end", "")
        if which == "others":
            end(user_id, keep=current)
        elif which:
            # Only the person's own: `end` only ever deletes sessions that decode to them.
            end(user_id, refs={which}, keep=current)
    return redirect(reverse("web:account") + "#devices")
