"""Opaque public ids (`ord_…`, `dsp_…`): what clients see instead of database integers."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import models

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford's base32, lower case: no i, l, o, u


_LENGTH = 20  # characters of 5 bits each: 100 random bits


def new_public_id(prefix: str) -> str:
    """`prefix` + "_" + 20 random characters (100 bits), from one read of the system's random
    source (a choice per character would read it twenty times: ~50 µs an id)."""
    bits = secrets.randbits(5 * _LENGTH)
    return prefix + "_" + "".join(_ALPHABET[(bits >> (5 * i)) & 31] for i in range(_LENGTH))


class PublicIdField(models.CharField):
    """A unique, immutable public id, generated on first save."""

    def __init__(self, *args: Any, prefix: str = "", **kwargs: Any) -> None:
        self.prefix = prefix
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        for key, default in (("max_length", 32), ("unique", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key, None)
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if not value:
            value = new_public_id(self.prefix)
            setattr(model_instance, self.attname, value)
        return value
