"""The API tokens page: a user sees their tokens (never the secret) and revokes them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import actions, queries
from core import clock
from web.auth import me


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/tokens.html",
        {"tokens": queries.tokens_of(me(request))[:200], "now": clock.system_now(), "nav": "tokens"},
    )


@require_POST
@login_required
def revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    token = actions.revoke_token(token_id=public_id, by=me(request))
    messages.success(request, _("Token %(prefix)s… is revoked; it no longer works.") % {"prefix": token.prefix})
    return redirect("web:tokens")
