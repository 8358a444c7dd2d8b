"""`/healthz`, `/readyz` and `/metrics`: what a load balancer, an orchestrator and Prometheus ask.

- `/healthz` answers `{"status": "ok"}` while the process can answer at all. It touches no
  database (a database outage must not make every web process look dead and be restarted), so
  it is also the benchmarks' bare-request baseline.
- `/readyz` answers 200 when this process can do its work: the database answers, every
  migration is applied, and each worker loop finished a round within
  `PARLEY_WORKER_STALE_SECONDS`. Otherwise 503, naming each failing check.
- `/metrics` is Prometheus' text format (`ops.metrics`), for staff signed in or for a scraper
  that sends `Authorization: Bearer <PARLEY_METRICS_TOKEN>`; anyone else gets 404, so the
  endpoint does not advertise itself.
"""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from core import clock

WORKER_LOOPS = ("deadlines", "email", "webhooks")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def check_database() -> str | None:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"the database does not answer: {type(exc).__name__}"
    return None


def check_migrations() -> str | None:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
        return f"{len(plan)} migration(s) not applied: {names}"
    return None


def check_worker() -> str | None:
    from django.db.models import Max

    from ops.models import WorkerHeartbeat

    stale_after = timedelta(seconds=settings.WORKER_STALE_SECONDS)
    now = clock.system_now()
    latest = dict(
        WorkerHeartbeat.objects.filter(loop__in=WORKER_LOOPS).values_list("loop").annotate(at=Max("beat_at")).order_by()
    )
    problems = []
    for loop in WORKER_LOOPS:
        at = latest.get(loop)
        if at is None:
            problems.append(f"no {loop} loop has reported")
        elif now - at > stale_after:
            problems.append(f"the {loop} loop last reported {int((now - at).total_seconds())} s ago")
    return "; ".join(problems) or None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> HttpResponse:
    checks: dict[str, str] = {}
    database = check_database()
    checks["database"] = database or "ok"
    if database is None:
        checks["migrations"] = check_migrations() or "ok"
        checks["worker"] = check_worker() or "ok"
    else:
        checks["migrations"] = checks["worker"] = "not checked: no database"
    failing = [name for name, result in checks.items() if result != "ok"]
    return JsonResponse(
        {"status": "fail" if failing else "ok", "failing": failing, "checks": checks}, status=503 if failing else 200
    )


def _scraper(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not _scraper(request):
        raise Http404
    from ops.metrics import render

    return HttpResponse(render(), content_type=CONTENT_TYPE_LATEST)
