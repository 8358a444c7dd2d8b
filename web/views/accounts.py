from __future__ import annotations

import time

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import actions, recovery, twofactor
from accounts.models import User
from core import limits
from core.errors import DomainError
from core.http import client_ip
from web import secondfactor
from web.auth import me
from web.errors import add_to_form, local_url


class LoginForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=limits.USERNAME,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=limits.PASSWORD,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class SignUpForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=limits.USERNAME,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        help_text=gettext_lazy("Letters, digits and @/./+/-/_ only."),
    )
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=limits.EMAIL)
    password = forms.CharField(
        label=gettext_lazy("Password"),
        max_length=limits.PASSWORD,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 10 characters, not a common password."),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
        help_text=gettext_lazy("The six digits your authenticator app shows, or one of your recovery codes."),
    )


class EmailForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Email"), max_length=254)


class NewPasswordForm(forms.Form):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy("At least 10 characters, not a common password."),
    )


def _next(request: HttpRequest) -> str:
    return local_url(request, request.POST.get("next") or request.GET.get("next")) or "/"


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.check_login(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                client=client_ip(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            if twofactor.has_factor(user):
                # Not logged in yet: the code step finishes the log-in.
                request.session[secondfactor.PENDING_KEY] = {
                    "user": user.pk,
                    "next": _next(request),
                    "at": int(time.time()),
                }
                return redirect("web:login_code")
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(_next(request))
    return render(request, "web/login.html", {"form": form, "next": _next(request)})


def _pending_user(request: HttpRequest) -> tuple[User | None, str]:
    """Whose code the code step asks for: the person between password and code, or a logged-in
    staff member whose session has not had its second factor checked."""
    if request.user.is_authenticated:
        return me(request), _next(request)
    pending = request.session.get(secondfactor.PENDING_KEY) or {}
    if not pending or int(time.time()) - int(pending.get("at", 0)) > secondfactor.PENDING_TTL:
        return None, "/"
    user = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return user, str(pending.get("next") or "/")


def login_code_view(request: HttpRequest) -> HttpResponse:
    user, next_url = _pending_user(request)
    if user is None:
        messages.info(request, _("Log in with your password first."))
        return redirect("web:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            how = twofactor.verify(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            if not request.user.is_authenticated:
                request.session.pop(secondfactor.PENDING_KEY, None)
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            secondfactor.mark_checked(request)
            if how == "recovery":
                messages.warning(
                    request,
                    _("You used a recovery code; %(left)s are left. Make new ones on the two-factor page.")
                    % {"left": twofactor.recovery_codes_left(user)},
                )
            return HttpResponseRedirect(local_url(request, next_url) or "/")
    return render(request, "web/login_code.html", {"form": form, "next": next_url})


@login_required
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Enrolment: the QR code of a fresh secret and a first code to confirm it; the recovery
    codes are shown once, on the page that answers the confirmation."""
    user = me(request)
    enrolled = twofactor.has_factor(user)
    if enrolled and not secondfactor.checked(request):
        # Replacing an authenticator takes a code of the current one first.
        return redirect("web:login_code")
    if request.method == "POST" and request.POST.get("action") == "restart":
        twofactor.start(user=user)
        return redirect("web:two_factor")
    if request.method == "POST" and request.POST.get("action") == "renew" and enrolled:
        codes = twofactor.renew_recovery_codes(user=user)
        return render(
            request, "web/two_factor.html", {"codes": codes, "renewed": True, "enrolled": True, "nav": "account"}
        )
    if request.method == "POST" and request.POST.get("action") == "remove" and not user.is_staff:
        twofactor.remove(user=user)
        messages.success(request, _("The second factor is removed."))
        return redirect("web:two_factor")
    device = twofactor.pending(user)
    if device is None and not enrolled:
        device = twofactor.start(user=user)
    form = CodeForm(request.POST or None)
    if device is not None and request.method == "POST" and request.POST.get("action") == "confirm" and form.is_valid():
        try:
            codes = twofactor.confirm(user=user, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.detail)
        else:
            secondfactor.mark_checked(request)
            return render(request, "web/two_factor.html", {"codes": codes, "enrolled": True, "nav": "account"})
    return render(
        request,
        "web/two_factor.html",
        {
            "enrolled": enrolled,
            "device": device,
            "qr": twofactor.qr_svg(device) if device is not None else "",
            "secret": device.pending_secret if device is not None else "",
            "form": form,
            "left": twofactor.recovery_codes_left(user) if enrolled else 0,
            "next": _next(request),
            "nav": "account",
        },
    )


def password_reset_view(request: HttpRequest) -> HttpResponse:
    form = EmailForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.request_reset(email=form.cleaned_data["email"], client=client_ip(request))
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(
                request,
                _("If an account has this address, we sent it a link to choose a new password. It works for an hour."),
            )
            return redirect("web:login")
    return render(request, "web/password_reset.html", {"form": form})


def password_reset_confirm_view(request: HttpRequest, uid: str, token: str) -> HttpResponse:
    user = recovery.user_for_reset(uid, token)  # a wrong or used link is a 404 page
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            recovery.reset_password(uid=uid, token=token, password=form.cleaned_data["password"])
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Your password is changed. Log in with it."))
            return redirect("web:login")
    return render(request, "web/password_reset_confirm.html", {"form": form, "person": user})


def verify_email_view(request: HttpRequest, token: str) -> HttpResponse:
    user = recovery.verify_email(token)
    messages.success(request, _("Thank you: %(email)s is confirmed.") % {"email": user.email})
    return redirect("web:account" if request.user.is_authenticated else "web:login")


def signup_view(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.sign_up(**form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _("Welcome to Parley, %(name)s. We sent a link to %(email)s: open it to confirm your address.")
                % {"name": user.username, "email": user.email},
            )
            return redirect("web:home")
    return render(request, "web/signup.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")
