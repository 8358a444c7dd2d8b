"""Refusals in the web UI: a `DomainError` becomes a flash message (or form errors) and the
person lands back where they were. Views stay two lines long."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core.errors import DomainError


def local_url(request: HttpRequest, candidate: str | None) -> str | None:
    """`candidate` when it is an address on this site (a path, or a URL of this host), else
    None. Anything else (a view name, "-1", another host) is never followed."""
    if not candidate or not candidate.startswith(("/", "http://", "https://")):
        return None
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def back(request: HttpRequest, fallback: str = "/") -> HttpResponse:
    """Redirects to `next` (if it is ours), the referring page, or `fallback`."""
    for candidate in (request.POST.get("next"), request.GET.get("next"), request.headers.get("Referer")):
        if (url := local_url(request, candidate)) is not None:
            return HttpResponseRedirect(url)
    return HttpResponseRedirect(fallback)


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


View = Callable[..., HttpResponse]


def posted(guard: Callable[[View], View] = login_required) -> Callable[[View], View]:
    """For every view that carries out an action on a POST: POST only (405 otherwise), behind
    `guard` (logged in by default; `staff_only` for the administration's), and a refusal shown
    as an error message on the previous page."""

    def decorate(view: View) -> View:
        wrapped = require_POST(guard(refusals_as_messages(view)))
        wrapped.posted_action = True  # type: ignore[attr-defined]
        return wrapped

    return decorate


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
