"""A password validator beside Django's own (length, common passwords, similarity, numeric):
refuses passwords that are blank or nearly one character repeated, and the demo password that
the README publishes. Demo users keep it: they are created without validation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

PUBLISHED = frozenset({"parley-demo"})
MIN_DISTINCT = 4


class NotBlankOrPublishedValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if not password.strip():
            raise ValidationError("The password may not be only spaces.", code="password_blank")
        if len(set(password)) < MIN_DISTINCT:
            raise ValidationError(
                f"The password needs at least {MIN_DISTINCT} different characters.", code="password_repetitive"
            )
        if password.strip().lower() in PUBLISHED:
            raise ValidationError("This password is published in Parley's documentation.", code="password_published")

    def get_help_text(self) -> str:
        return f"Not blank, at least {MIN_DISTINCT} different characters, and not the published demo password."
