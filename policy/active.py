"""The policy this deployment runs with (`PARLEY_POLICY`) and its stored version."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.db.models import Max

from core import clock
from policy.loader import PolicyError, load_policy
from policy.models import PolicyVersion
from policy.schema import Policy


@cache
def configured_policy() -> Policy:
    try:
        return load_policy(settings.POLICY)
    except PolicyError as exc:
        raise ImproperlyConfigured(f"PARLEY_POLICY={settings.POLICY}: {exc}") from None


def digest_of(policy: Policy) -> str:
    return hashlib.sha256(json.dumps(policy.as_json(), sort_keys=True).encode()).hexdigest()


def current_version() -> PolicyVersion:
    """The stored version of the configured policy, created on first use."""
    return version_of(configured_policy())


# Stored versions by digest, kept for the life of the process: a stored version never changes.
# Only a committed row is remembered (`on_commit`), so a rolled-back insert is never reused.
_stored: dict[str, PolicyVersion] = {}


def forget_stored_versions() -> None:
    """Empties the per-process memory of stored versions (tests whose database was emptied)."""
    _stored.clear()


def version_of(policy: Policy) -> PolicyVersion:
    digest = digest_of(policy)
    if (remembered := _stored.get(digest)) is not None:
        return remembered
    version = _find_or_store(policy, digest)
    transaction.on_commit(lambda: _stored.setdefault(digest, version))
    return version


def _find_or_store(policy: Policy, digest: str) -> PolicyVersion:
    found = PolicyVersion.objects.filter(digest=digest).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            number = (PolicyVersion.objects.filter(name=policy.name).aggregate(n=Max("number"))["n"] or 0) + 1
            return PolicyVersion.objects.create(
                name=policy.name,
                number=number,
                digest=digest,
                values=policy.as_json(),
                created_at=clock.now(),
            )
    except IntegrityError:  # another process stored it first
        return PolicyVersion.objects.get(digest=digest)
