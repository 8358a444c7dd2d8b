"""A person's own choices: the language Parley speaks to them in, the time zone times show in,
and whether optional mail (the chat digest) reaches them."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import locale
from core.errors import ValidationFailed


def set_preferences(
    *,
    user: User,
    language: str | None = None,
    time_zone: str | None = None,
    optional_email: bool | None = None,
) -> User:
    """Changes what is given (None leaves a field alone; "" clears a choice). An unknown language
    or zone is refused with every bad field named."""
    errors: dict[str, list[str]] = {}
    if language is not None and language != "" and not locale.valid_language(language):
        errors["language"] = [_("Choose one of: %(codes)s.") % {"codes": ", ".join(locale.languages())}]
    if time_zone is not None and time_zone != "" and not locale.valid_time_zone(time_zone):
        errors["time_zone"] = [_("Not a time zone of the IANA database (for example Europe/Moscow).")]
    if errors:
        raise ValidationFailed(_("The preferences are not valid."), fields=errors)
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changed = []
        for field, value in (("language", language), ("time_zone", time_zone), ("optional_email", optional_email)):
            if value is not None and getattr(locked, field) != value:
                setattr(locked, field, value)
                changed.append(field)
        if changed:
            locked.save(update_fields=changed)
    for field in ("language", "time_zone", "optional_email"):
        setattr(user, field, getattr(locked, field))
    return user
