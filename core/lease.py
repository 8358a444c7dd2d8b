"""Leases on work a worker has claimed (an e-mail, a webhook delivery): while one runs, no other
worker takes the same row.

A lease is measured on the database's clock, the one clock every host shares, and never on the
test clock: moving the test clock forward must not hand a message in flight to a second worker,
and hosts whose clocks drift apart must not either. The row's `leased_until` is NULL when free."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.db.models.expressions import Combinable
from django.db.models.functions import Now

from core import clock


def free() -> Q:
    """Rows whose lease ended, or that never had one."""
    return Q(leased_until__isnull=True) | Q(leased_until__lt=Now())


def until(length: timedelta) -> Combinable:
    """The end of a lease taken now, as the database computes it (for `update()`)."""
    return Now() + length


def held(leased_until: datetime | None) -> bool:
    """Whether a lease read from a row still runs (by this host's clock: good enough to refuse
    a manual retry, never used to hand work out)."""
    return leased_until is not None and leased_until > clock.system_now()
