"""The page a login link opens (logs its user in and goes on, or says plainly why not), and the
staff console's page of API keys."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from core import limits
from core.errors import DomainError
from integrations import actions, queries, scopes
from web.auth import me
from web.errors import add_to_form
from web.views.staff import staff_only


@never_cache
@require_GET
def login_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link = actions.use_login_link(token=token)
    except DomainError as exc:
        return render(request, "integrations/login_link_refused.html", {"error": exc}, status=exc.status)
    login(request, link.user, backend="django.contrib.auth.backends.ModelBackend")
    # The path was checked to be local when the link was made; check again, cheaply.
    return HttpResponseRedirect(link.next_path if actions.is_local_path(link.next_path) else "/")


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=limits.NAME, label="Name", help_text="Who uses it, e.g. “Shop backend”.")
    scopes = forms.MultipleChoiceField(
        choices=[(s, s) for s in scopes.ALL],
        initial=list(scopes.DEFAULT),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="'staff' lets the key act on behalf of staff members too; leave it off unless needed.",
    )


@never_cache  # the answer to a creation carries the secret: no cache may keep it
@staff_only
def staff_keys(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = actions.create_key(
                name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], by=me(request)
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            form = ApiKeyForm()  # the secret is rendered on this answer only
    context = {"keys": queries.keys(), "form": form, "created": created, "nav": "staff"}
    return render(request, "integrations/staff_keys.html", context)


@require_POST
@staff_only
def staff_key_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    key = actions.revoke_key(key=queries.get_key(public_id), by=me(request))
    messages.success(
        request,
        _("Key %(name)s (%(public_id)s) is revoked; its next request is refused.")
        % {"name": key.name, "public_id": key.public_id},
    )
    return redirect("integrations:staff_keys")
