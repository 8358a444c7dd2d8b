"""Prometheus metrics at `/metrics`.

Two sources, chosen by what each number is:

- **Requests and latency by route** are counted in the process that answered. Under gunicorn
  several processes answer, so `deploy/gunicorn.conf.py` sets `PROMETHEUS_MULTIPROC_DIR` (under
  the data folder) before any worker starts and prometheus-client's multiprocess mode adds up
  every process's files at scrape time; without it (one process) the counters are in memory.
- **Everything the database knows** (deadlines due and applied, their lag, outbox depth,
  webhook failures, money moved, worker heartbeats) is computed from the database at scrape
  time by `DatabaseCollector`: the same answer from every web process, right after a restart,
  and no counter to keep in step with the rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("parley_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "parley_http_request_duration_seconds", "Time to answer, by route", ["method", "route"], buckets=LATENCY_BUCKETS
)


def multiprocess_dir() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def observe_request(*, method: str, route: str, status: int, seconds: float) -> None:
    REQUESTS.labels(method=method, route=route, status=str(status)).inc()
    LATENCY.labels(method=method, route=route).observe(seconds)


class DatabaseCollector(Collector):
    """Reads the numbers an operator watches from the database, at scrape time."""

    def collect(self) -> Iterator[Any]:
        from django.db.models import Count, Max, Min, Sum

        from core import clock
        from core.deadlines import due
        from core.models import Deadline
        from ledger.models import Entry
        from notifications.models import OutboundEmail
        from ops.models import WorkerHeartbeat
        from webhooks.models import WebhookDelivery

        now = clock.now()
        due_now = Deadline.objects.filter(due(now))
        yield GaugeMetricFamily("parley_deadlines_due", "Deadlines due now and not yet applied", value=due_now.count())
        oldest = due_now.aggregate(oldest=Min("due_at"))["oldest"]
        yield GaugeMetricFamily(
            "parley_deadline_lag_seconds",
            "How long the oldest due deadline has waited for the worker (0 when none waits)",
            value=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
        )
        by_status = CounterMetricFamily("parley_deadlines", "Deadlines by status", labels=["status"])
        counts = dict(Deadline.objects.values_list("status").annotate(n=Count("id")).order_by())
        for status in Deadline.Status.values:
            by_status.add_metric([status], counts.get(status, 0))
        yield by_status

        depth = GaugeMetricFamily("parley_outbox_depth", "Items waiting to be sent", labels=["outbox"])
        depth.add_metric(["email"], OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).count())
        depth.add_metric(["webhook"], WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING).count())
        yield depth
        failures = GaugeMetricFamily(
            "parley_webhook_failures",
            "Webhook deliveries given up (failed) and pending after at least one failed attempt (retrying)",
            labels=["state"],
        )
        failures.add_metric(["failed"], WebhookDelivery.objects.filter(status=WebhookDelivery.Status.FAILED).count())
        failures.add_metric(
            ["retrying"],
            WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, attempts__gt=0).count(),
        )
        yield failures
        emails_failed = OutboundEmail.objects.filter(status=OutboundEmail.Status.FAILED).count()
        yield GaugeMetricFamily(
            "parley_email_failures", "E-mails given up after their last attempt", value=emails_failed
        )

        money = CounterMetricFamily(
            "parley_money_moved_minor",
            "Money moved by the ledger, by transaction kind and currency, in minor units (sum of the credits)",
            labels=["kind", "currency"],
        )
        rows = (
            Entry.objects.filter(amount__gt=0)
            .values_list("transaction__kind", "currency")
            .annotate(total=Sum("amount"))
            .order_by()
        )
        for kind, currency, total in rows:
            money.add_metric([kind, currency], int(total or 0))
        yield money

        system_now = clock.system_now()
        beats = GaugeMetricFamily(
            "parley_worker_heartbeat_age_seconds",
            "Seconds since each worker loop last finished a round",
            labels=["loop"],
        )
        latest = WorkerHeartbeat.objects.values_list("loop").annotate(at=Max("beat_at")).order_by()
        for loop, at in latest:
            beats.add_metric([loop], max(0.0, (system_now - at).total_seconds()))
        yield beats


def render() -> bytes:
    """The whole exposition: request metrics (every process's, in multiprocess mode) followed by
    the database's numbers."""
    registry = CollectorRegistry()
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return body + generate_latest(database)
