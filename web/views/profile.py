"""The profile page: the language Parley speaks to a person in, the time zone their times show
in, and whether optional mail reaches them. The same choices as `PATCH /api/v1/me`."""

from __future__ import annotations

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt

from accounts import preferences
from core import locale
from notifications import mail


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
