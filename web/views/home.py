from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ValidationFailed
from ops import deadlines
from policy.active import configured_policy
from policy.rules import humane
from web.errors import back, refusals_as_messages


def home(request: HttpRequest) -> HttpResponse:
    policy = configured_policy()
    return render(
        request,
        "web/home.html",
        {
            "policy": policy,
            "guarantee": humane(policy.guarantee_window),
            "min_age": humane(policy.min_order_age),
            "escalation": humane(policy.escalation_available_after),
        },
    )


@require_POST
@staff_member_required(login_url="web:login")
@refusals_as_messages
def test_clock_advance(request: HttpRequest) -> HttpResponse:
    try:
        seconds = int(request.POST.get("seconds", ""))
    except ValueError:
        raise ValidationFailed(_("Choose how far to move the clock.")) from None
    if not 0 < seconds <= deadlines.MAX_ADVANCE_SECONDS:
        raise ValidationFailed(_("The clock moves forward by up to five years at a time."))
    deadlines.advance(seconds=seconds)
    return back(request)
