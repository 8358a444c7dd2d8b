"""The profile page: the language Parley speaks to a person in, the time zone their times show
in, and whether optional mail reaches them. The same choices as `PATCH /api/v1/me`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from accounts import preferences
from core import locale
from core.errors import ValidationFailed
from notifications import mail
from web.auth import me


def _language_choices() -> list[tuple[str, str]]:
    # Each language under its own name, so a reader who cannot read the current one finds theirs.
    names = {"en": "English", "ru": "Русский"}
    return [("", _("As my browser asks"))] + [(code, names.get(code, code)) for code in locale.languages()]


def _zone_choices() -> list[tuple[str, str]]:
    return [("", _("UTC (no time zone chosen)"))] + [(z, z) for z in sorted(locale.time_zones())]


class ProfileForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), required=False, choices=_language_choices)
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        choices=_zone_choices,
        help_text=gettext_lazy("Times on pages and in e-mails show in this zone; UTC is shown beside them."),
    )
    optional_email = forms.BooleanField(
        label=gettext_lazy("Send me a digest of new chat messages by e-mail"),
        required=False,
        help_text=gettext_lazy("Mail about decisions, deadlines and money is always sent."),
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
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
    return render(request, "web/profile.html", {"form": form, "nav": "profile", "person": user})


@csrf_exempt  # the signed token is the credential; mail clients post here for one-click unsubscribe (RFC 8058)
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """From the link in optional mail: GET asks, POST switches the chat digest off. No log-in: the
    signed token names the person."""
    user = mail.user_for_unsubscribe(token)
    if user is None:
        raise Http404(_("This link is not valid."))
    done = False
    if request.method == "POST":
        preferences.set_preferences(user=user, optional_email=False)
        done = True
    locale.activate_for(user)
    return render(request, "web/unsubscribe.html", {"person": user, "done": done, "token": token})
