"""The staff console's Users page: find a user, see their status and what a suspension would
touch, suspend or reinstate them with a reason. The same actions as
`POST /api/v1/users/{id}/suspend|reinstate`."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import actions, queries
from accounts.actions import SUSPENSION_REASON_LIMIT
from accounts.suspension import CONSEQUENCES, REINSTATEMENT
from core.errors import ValidationFailed
from web.auth import me
from web.errors import posted
from web.views.staff import staff_only


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=SUSPENSION_REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason (the user receives it as a statement of reasons)",
    )


@staff_only
def user_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:254]
    found = queries.find_users(q) if q.strip() else None
    return render(
        request,
        "web/staff_users.html",
        {"q": q, "found": found, "suspended": queries.suspended_users(), "nav": "staff"},
    )


@staff_only
def user_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    person = queries.get_user(public_id)
    return render(
        request,
        "web/staff_user.html",
        {
            "person": person,
            "status": queries.status_of(person),
            "exposure": queries.exposure_of(person),
            "history": queries.suspension_history(person),
            "consequences": CONSEQUENCES,
            "reinstatement": REINSTATEMENT,
            "form": ReasonForm(),
            "is_me": person.pk == me(request).pk,
            "nav": "staff",
        },
    )


@posted(staff_only)
def user_suspend(request: HttpRequest, public_id: str) -> HttpResponse:
    person = queries.get_user(public_id)
    actions.suspend(user_id=person.pk, by=me(request), reason=_reason(request))
    messages.success(request, _("%(username)s is suspended and was sent the reasons.") % {"username": person.username})
    return redirect("web:staff_user", public_id=public_id)


@posted(staff_only)
def user_reinstate(request: HttpRequest, public_id: str) -> HttpResponse:
    person = queries.get_user(public_id)
    actions.reinstate(user_id=person.pk, by=me(request), reason=_reason(request))
    messages.success(request, _("%(username)s is reinstated and was told why.") % {"username": person.username})
    return redirect("web:staff_user", public_id=public_id)


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(
            _("Write the reason, at most %(SUSPENSION_REASON_LIMIT)s characters.")
            % {"SUSPENSION_REASON_LIMIT": SUSPENSION_REASON_LIMIT}
        )
    return str(form.cleaned_data["reason"])
