"""Free text from people (descriptions, notes, questions, messages), cleaned one way."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

MAX_TEXT = 5000


def clean_text(value: str, field: str, *, required: bool, limit: int = MAX_TEXT, what: str | None = None) -> str:
    """Strips `value` and checks it is present (when `required`) and at most `limit` long;
    refusals name the field. `what` is how the message names it ("your answer")."""
    name = what or f"the {field.replace('_', ' ')}"
    value = value.strip()
    if required and not value:
        raise ValidationFailed(_("Write %(name)s.") % {"name": name}, fields={field: ["This field is required."]})
    if len(value) > limit:
        raise ValidationFailed(
            _("%(capitalize)s is too long.") % {"capitalize": name.capitalize()},
            fields={field: [f"At most {limit} characters."]},
        )
    return value
