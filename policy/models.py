"""Policy versions. An order pins the version in force when it was placed, so changing the
configured policy never changes the rules of open orders."""

from __future__ import annotations

from typing import ClassVar

from django.db import models

from policy.schema import Policy


class PolicyVersion(models.Model):
    name = models.CharField(max_length=64)
    number = models.PositiveIntegerField()
    digest = models.CharField(max_length=64, unique=True)
    values = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar[list[models.BaseConstraint]] = [
            models.UniqueConstraint(fields=["name", "number"], name="policy_version_number_unique"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def policy(self) -> Policy:
        # Parsed once per process and digest: the values of a stored version never change, and
        # the parsed policy is immutable. Every order a request loads would parse it again.
        cached: Policy | None = getattr(self, "_policy", None)
        if cached is None:
            cached = _parsed.get(self.digest) if self.digest else None
            if cached is None:
                cached = Policy.model_validate(self.values)
                if self.digest:
                    _parsed[self.digest] = cached
            self._policy = cached
        return cached


_parsed: dict[str, Policy] = {}
