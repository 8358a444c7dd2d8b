from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import actions
from core import limits
from core.errors import DomainError
from core.http import client_ip
from web.errors import add_to_form, local_url


class LoginForm(forms.Form):
    username = forms.CharField(max_length=limits.USERNAME, widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password = forms.CharField(
        max_length=limits.PASSWORD, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class SignUpForm(forms.Form):
    username = forms.CharField(
        max_length=limits.USERNAME,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
        help_text="Letters, digits and @/./+/-/_ only.",
    )
    email = forms.EmailField(max_length=limits.EMAIL)
    password = forms.CharField(
        max_length=limits.PASSWORD,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 10 characters, not a common password.",
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
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return HttpResponseRedirect(_next(request))
    return render(request, "web/login.html", {"form": form, "next": _next(request)})


def signup_view(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = actions.sign_up(**form.cleaned_data)
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Parley, %(username)s.") % {"username": user.username})
            return redirect("web:home")
    return render(request, "web/signup.html", {"form": form})


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:home")
