"""The contacts page: its channels (one "Label: value" per line, as staff type them, parsed
here for both the edit and the page that shows the result) and the staff action that edits it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext

from accounts.models import User
from core import audit, clock
from core.errors import Forbidden, ValidationFailed
from tickets import events
from tickets.models import ContactsPage

MAX_CHANNELS = 20
MAX_LABEL = 60
MAX_VALUE = 200
_PHONE = re.compile(r"\+?[0-9][0-9 ()-]{5,}")


@dataclass(frozen=True, slots=True)
class Channel:
    label: str
    value: str
    href: str | None  # a safe link (https, mailto, tel) when the value is one


def parse_channels(text: str) -> tuple[list[Channel], list[str]]:
    """The channels in `text`, and a problem for every line that is not "Label: value"."""
    channels: list[Channel] = []
    problems: list[str] = []
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for number, line in enumerate(lines, start=1):
        label, sep, value = (part.strip() for part in line.partition(":"))
        if not sep or not label or not value:
            problems.append(f'Line {number} is not "Label: value".')
        elif len(label) > MAX_LABEL or len(value) > MAX_VALUE:
            problems.append(
                f"Line {number} is too long: at most {MAX_LABEL} characters before the colon and {MAX_VALUE} after it."
            )
        else:
            channels.append(Channel(label, value, _href(value)))
    if len(lines) > MAX_CHANNELS:
        problems.append(f"At most {MAX_CHANNELS} channels.")
    return channels, problems


def _href(value: str) -> str | None:
    if value.startswith("https://") and " " not in value:
        return value
    try:
        validate_email(value)
    except ValidationError:
        pass
    else:
        return f"mailto:{value}"
    if _PHONE.fullmatch(value):
        return "tel:" + re.sub(r"[^0-9+]", "", value)
    return None


def update_contacts(*, by: User, channels: str, opening_hours: str, intro: str) -> ContactsPage:
    """Staff edit the contacts page: its channels ("Label: value" lines), hours and intro."""
    if not by.is_staff:
        raise Forbidden(gettext("Only the administration can edit the contacts page."))
    fields: dict[str, list[str]] = {}
    if problems := parse_channels(channels)[1]:
        fields["channels"] = problems
    opening_hours, intro = opening_hours.strip(), intro.strip()
    if not opening_hours or len(opening_hours) > 200:
        fields["opening_hours"] = ["Say when the administration answers, in at most 200 characters."]
    for name, text in (("intro", intro), ("channels", channels)):
        if len(text) > 2000:
            fields.setdefault(name, []).append("At most 2000 characters.")
    if fields:
        raise ValidationFailed(gettext("The contacts page is not valid."), fields=fields)
    with transaction.atomic():
        page, _ = ContactsPage.objects.update_or_create(
            pk=ContactsPage.SINGLETON_ID,
            defaults={
                "channels": channels.strip(),
                "opening_hours": opening_hours,
                "intro": intro,
                "updated_at": clock.now(),
                "updated_by": by,
            },
        )
        audit.record(events.CONTACTS_UPDATED, subject=page, by=by, role="staff")
    return page
