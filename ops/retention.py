"""How long Parley keeps what it no longer needs (docs/privacy.md); the worker's housekeeping
loop runs `prune()` once an hour. Each period is a setting:

- expired web sessions: removed (Django's `clearsessions`, done here so no cron is needed);
- e-mails sent or given up: `PARLEY_RETENTION_EMAIL_DAYS` (90);
- webhook deliveries sent or given up: `PARLEY_RETENTION_WEBHOOK_DAYS` (30);
- idempotency records: `PARLEY_RETENTION_IDEMPOTENCY_HOURS` (24; a retry after that is a new request);
- stored webhook events (`GET /events`): `PARLEY_RETENTION_EVENT_DAYS` (30, and never less:
  `GET /events` promises 30 days back);
- one-time login links a day after they expired (used or not: they can no longer log anyone in);
- rate-limit windows that have ended.

Ledger lines, case records and the audit trail (`core.AuditEvent`, every code of which records
who changed a case, money, a key or an account) are never pruned: they are the records the law
asks a marketplace to keep, and erasure anonymises the person they point to instead.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session

from core import clock, idempotency, ratelimit
from integrations.models import LoginLink
from notifications.models import OutboundEmail
from webhooks.actions import prune_deliveries, prune_events

# A day past their expiry, so a late click still hears "expired" rather than "not valid".
LOGIN_LINK_KEEP = timedelta(days=1)


def prune() -> dict[str, int]:
    """Removes what is past its retention; returns how many of each."""
    now = clock.now()
    sessions, _ = Session.objects.filter(expire_date__lt=clock.system_now()).delete()
    emails, _ = OutboundEmail.objects.filter(
        status__in=[OutboundEmail.Status.SENT, OutboundEmail.Status.FAILED],
        created_at__lt=now - timedelta(days=settings.RETENTION_EMAIL_DAYS),
    ).delete()
    deliveries = prune_deliveries(older_than=timedelta(days=settings.RETENTION_WEBHOOK_DAYS))
    keys = idempotency.prune(older_than=timedelta(hours=settings.RETENTION_IDEMPOTENCY_HOURS))
    events = prune_events(older_than=timedelta(days=settings.RETENTION_EVENT_DAYS))
    links, _ = LoginLink.objects.filter(expires_at__lt=now - LOGIN_LINK_KEEP).delete()
    counters = ratelimit.prune()
    return {
        "sessions": sessions,
        "emails": emails,
        "webhook_deliveries": deliveries,
        "idempotency_keys": keys,
        "events": events,
        "login_links": links,
        "rate_counters": counters,
    }
