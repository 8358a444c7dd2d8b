"""The person's one account page (`/account/`): profile, e-mail address, password, second
factor and recovery codes, and the devices signed in. Each section's form posts to the view
that owns it and comes back here; the pages it replaced (`/profile/`, `/account/sessions/`)
redirect to their section."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import recovery, twofactor
from core import limits
from core.errors import DomainError
from ops import sessions
from web.auth import me
from web.errors import add_to_form
from web.views.accounts import EmailForm
from web.views.profile import ProfileForm


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=gettext_lazy("Current password"),
        max_length=limits.PASSWORD,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
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
    email_form = EmailForm(request.POST if action == "change" else None, initial={"email": user.email})
    password_form = PasswordChangeForm(request.POST if action == "password" else None)
    if action == "resend":
        if user.email_verified_at is None:
            recovery.send_verification(user)
            messages.success(request, _("We sent a new confirmation link to %(email)s.") % {"email": user.email})
        return redirect(section("email"))
    if action == "change" and email_form.is_valid():
        try:
            recovery.change_email(user=user, email=email_form.cleaned_data["email"])
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
            messages.success(request, _("Your password is changed. Your other devices are signed out."))
            return redirect(section("password"))
    profile_form = ProfileForm(
        initial={"language": user.language, "time_zone": user.time_zone, "optional_email": user.optional_email}
    )
    enrolled = twofactor.has_factor(user)
    return render(
        request,
        "web/account.html",
        {
            "form": email_form,
            "email_form": email_form,
            "password_form": password_form,
            "profile_form": profile_form,
            "person": user,
            "enrolled": enrolled,
            "codes_left": twofactor.recovery_codes_left(user) if enrolled else 0,
            "sessions": sessions.sessions_of(int(user.pk), current_key=request.session.session_key),
            "nav": "account",
        },
    )
