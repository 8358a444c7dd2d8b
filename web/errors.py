"""Refusals in the web UI: a `DomainError` becomes a flash message (or form errors) and the
person lands back where they were. Views stay two lines long."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import DomainError


def back(request: HttpRequest, fallback: str = "/") -> HttpResponse:
    """Redirects to `next` (if it is ours), the referring page, or `fallback`."""
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(candidate)
    return redirect(fallback)


def refusals_as_messages(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For POST views that act: a refusal is shown as an error message on the previous page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            messages.error(request, exc.detail)
            return back(request)

    return wrapper


def add_to_form(form: forms.Form, exc: DomainError) -> None:
    """Puts a refusal's field errors on the form's fields, the rest on the form itself."""
    placed = False
    for field, problems in exc.fields.items():
        name = field.split(".")[0]
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            placed = True
    if not placed:
        form.add_error(None, exc.detail)
