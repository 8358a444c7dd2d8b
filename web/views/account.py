"""The person's one account page (`/account/`): profile, e-mail address, password, second
factor and recovery codes, and the devices signed in. Each section's form posts to the view
that owns it and comes back here; the pages it replaced (`/profile/`, `/account/sessions/`)
redirect to their section."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import preferences, recovery, twofactor
from accounts.models import User
from core import limits, locale
from core.errors import DomainError, ValidationFailed
from ops import sessions
from web.auth import me
from web.errors import add_to_form
from web.views.accounts import EmailForm
from web.views.profile import ProfileForm


def _current_password(*, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=gettext_lazy("Current password"),
        max_length=limits.PASSWORD,
        required=required,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AddressChangeForm(EmailForm):
    """The new address, and the current password of a person who has one (not of one signed in
    by the marketplace's links only)."""

    current = _current_password(required=False)

    def __init__(self, data: Any = None, *, user: User) -> None:
        super().__init__(data, initial={"email": user.email})
        if not user.has_usable_password():
            del self.fields["current"]


class PasswordChangeForm(forms.Form):
    current = _current_password()
    password = forms.CharField(
        label=gettext_lazy("New password"),
        max_length=limits.PASSWORD,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 10 characters, not a common password."),
    )


def section(name: str) -> str:
    return reverse("web:account") + f"#{name}"


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    user = me(request)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    email_form = AddressChangeForm(request.POST if action == "change" else None, user=user)
    password_form = PasswordChangeForm(request.POST if action == "password" else None)
    if action == "resend":
        if user.email_verified_at is None:
            recovery.send_verification(user)
            messages.success(request, _("We sent a new confirmation link to %(email)s.") % {"email": user.email})
        return redirect(section("email"))
    if action == "change" and email_form.is_valid():
        try:
            recovery.change_email(
                user=user, email=email_form.cleaned_data["email"], current=email_form.cleaned_data.get("current", "")
            )
        except DomainError as exc:
            add_to_form(email_form, exc)
        else:
            messages.success(request, _("Address changed. Open the link we sent to it to confirm it."))
            return redirect(section("email"))
    if action == "password" and password_form.is_valid():
        try:
            recovery.change_password(
                user=user,
                current=password_form.cleaned_data["current"],
                password=password_form.cleaned_data["password"],
            )
        except DomainError as exc:
            add_to_form(password_form, exc)
        else:
            update_session_auth_hash(request, user)  # this device stays signed in; the others do not
            sessions.end(int(user.pk), keep=request.session.session_key)  # nor are they listed
            messages.success(request, _("Your password is changed. Your other devices are signed out."))
            return redirect(section("password"))
    return page(request, user, email_form=email_form, password_form=password_form)


@login_required
def profile_save(request: HttpRequest) -> HttpResponse:
    """Saves the profile section of `/account/`; the page itself moved there."""
    if request.method != "POST":
        return redirect(reverse("web:account") + "#profile")
    user = me(request)
    form = ProfileForm(
        request.POST or None,
        initial={"language": user.language, "time_zone": user.time_zone, "optional_email": user.optional_email},
    )
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = form.cleaned_data
        try:
            preferences.set_preferences(
                user=user,
                language=data["language"],
                time_zone=data["time_zone"],
                optional_email=bool(data["optional_email"]),
            )
        except ValidationFailed as exc:
            for field, problems in exc.fields.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            locale.activate_for(user)
            if not user.language:
                translation.activate(translation.get_language_from_request(request))
            messages.success(request, _("Your preferences are saved."))
            return redirect(reverse("web:account") + "#profile")
    return page(request, user, profile_form=form)


def page(
    request: HttpRequest,
    user: User,
    *,
    email_form: forms.Form | None = None,
    password_form: forms.Form | None = None,
    profile_form: forms.Form | None = None,
) -> HttpResponse:
    """The account page, with the form that was just refused (if any) bound to what was sent."""
    if email_form is None:
        email_form = AddressChangeForm(user=user)
    profile_form = profile_form or ProfileForm(
        initial={"language": user.language, "time_zone": user.time_zone, "optional_email": user.optional_email}
    )
    enrolled = twofactor.has_factor(user)
    return render(
        request,
        "web/account.html",
        {
            "form": email_form,
            "email_form": email_form,
            "password_form": password_form or PasswordChangeForm(),
            "profile_form": profile_form,
            "person": user,
            "enrolled": enrolled,
            "codes_left": twofactor.recovery_codes_left(user) if enrolled else 0,
            "sessions": sessions.sessions_of(int(user.pk), current_key=request.session.session_key),
            "nav": "account",
        },
    )
