from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.errors import DomainError
from policy.active import configured_policy
from policy.rules import humane
from tickets import contacts as contacts_actions
from tickets import queries
from web.auth import me
from web.errors import add_to_form
from web.forms import ContactsForm


def contacts(request: HttpRequest) -> HttpResponse:
    page = queries.contacts_page()
    return render(
        request,
        "web/contacts.html",
        {
            "page": page,
            "channels": queries.contact_channels(page),
            "answer_within": humane(configured_policy().ticket_first_response_target),
            "nav": "contacts",
        },
    )


@login_required
def contacts_edit(request: HttpRequest) -> HttpResponse:
    user = me(request)
    page = queries.get_contacts_page_for_editing(user)
    initial = {"intro": page.intro, "channels": page.channels, "opening_hours": page.opening_hours}
    form = ContactsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            contacts_actions.update_contacts(by=user, **form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("The contacts page is updated."))
            return redirect("web:contacts")
    return render(request, "web/contacts_edit.html", {"form": form, "page": page, "nav": "contacts"})
