"""The staff console's privacy page for one user: download their data (GDPR Art. 15/20) and
erase them (Art. 17) after typing their username to confirm; why an erasure must wait is
listed before anyone tries. The same functions as `parley export-user` / `erase-user`."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import events as accounts_events
from accounts import queries
from core import audit
from core.errors import ValidationFailed
from ops import privacy
from web.auth import me
from web.errors import posted
from web.views.staff import staff_only


class EraseForm(forms.Form):
    confirm = forms.CharField(
        max_length=200,
        label=gettext_lazy("Type the username to confirm"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


@staff_only
def privacy_page(request: HttpRequest, public_id: str) -> HttpResponse:
    person = queries.get_user(public_id)
    return render(
        request,
        "web/staff_privacy.html",
        {
            "person": person,
            "blockers": privacy.erasure_blockers(person),
            "erased": person.username.startswith("erased-"),
            "is_me": person.pk == me(request).pk,
            "form": EraseForm(),
            "nav": "staff",
        },
    )


@staff_only
def export_download(request: HttpRequest, public_id: str) -> HttpResponse:
    person = queries.get_user(public_id)
    data = privacy.export_user(person)
    audit.record(accounts_events.USER_DATA_EXPORTED, subject=person, by=me(request), role="staff")
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False, default=str), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="parley-{person.public_id}.json"'
    response["Cache-Control"] = "no-store"
    return response


@posted(staff_only)
def erase(request: HttpRequest, public_id: str) -> HttpResponse:
    person = queries.get_user(public_id)
    form = EraseForm(request.POST)
    if not form.is_valid() or form.cleaned_data["confirm"].strip() != person.username:
        raise ValidationFailed(_("Type the username exactly to confirm the erasure."))
    erased = privacy.erase_user(user_id=person.pk, by=me(request))
    messages.success(request, _("The account is erased; it is now %(name)s.") % {"name": erased.username})
    return redirect("web:staff_user_privacy", public_id=public_id)
