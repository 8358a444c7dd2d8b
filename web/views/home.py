from __future__ import annotations

from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from ops import deadlines
from policy.active import configured_policy
from policy.rules import humane
from web import lists
from web.auth import me
from web.errors import back, posted


def home(request: HttpRequest) -> HttpResponse:
    """For visitors, what Parley is; once logged in, what waits for me and by when."""
    policy = configured_policy()
    context: dict[str, Any] = {
        "policy": policy,
        "guarantee": humane(policy.guarantee_window),
        "min_age": humane(policy.min_order_age),
        "escalation": humane(policy.escalation_available_after),
    }
    if request.user.is_authenticated:
        user = me(request)
        context["waiting"] = lists.waiting_for(user)
        context["counts"] = lists.dashboard_counts(user)
    return render(request, "web/home.html", context)


@posted(staff_member_required(login_url="web:login"))
def test_clock_advance(request: HttpRequest) -> HttpResponse:
    try:
        seconds = int(request.POST.get("seconds", ""))
    except ValueError:
        raise ValidationFailed(_("Choose how far to move the clock.")) from None
    deadlines.advance(seconds=seconds)
    return back(request)
