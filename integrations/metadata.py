"""The marketplace's own references on users, listings, orders, disputes and tickets."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.errors import ValidationFailed

MAX_KEYS = 20
MAX_KEY_LENGTH = 40
MAX_VALUE_LENGTH = 500
METADATA_HELP = (
    f"The marketplace's own references: at most {MAX_KEYS} keys of at most {MAX_KEY_LENGTH} characters, "
    f"string values of at most {MAX_VALUE_LENGTH}."
)


def problems_of(value: Any) -> list[str]:
    """What is wrong with `value` as metadata (empty when nothing is)."""
    if value is None:
        return []
    if not isinstance(value, dict):
        return ["must be an object of string keys and string values"]
    found = []
    if len(value) > MAX_KEYS:
        found.append(f"at most {MAX_KEYS} keys")
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_KEY_LENGTH:
            found.append(f"keys are 1 to {MAX_KEY_LENGTH} characters")
        if not isinstance(item, str):
            found.append(f"the value of {str(key)[:MAX_KEY_LENGTH]!r} must be a string")
        elif len(item) > MAX_VALUE_LENGTH:
            found.append(f"the value of {key[:MAX_KEY_LENGTH]!r} is longer than {MAX_VALUE_LENGTH} characters")
    return found


def checked(value: Any, *, field: str = "metadata") -> dict[str, str]:
    """`value` as metadata, or 422 `validation_error` naming `field`."""
    if problems := problems_of(value):
        raise ValidationFailed(
            _("'%(field)s' is not valid: %(value)s.") % {"field": field, "value": problems[0]}, fields={field: problems}
        )
    return dict(value or {})
