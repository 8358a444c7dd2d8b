"""The deadline storm: N delivered orders whose guarantee windows all end at once.

The orders are made through the real actions; then the test clock jumps past the window without
running anything, and the worker logic drains what fell due, in this process or in worker
processes (`parley worker --once`). Afterwards every order must be completed and settled
exactly once, and no due deadline may be left."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.db import close_old_connections, transaction
from django.db.models import Count, Max, Min

from bench import storm_seed
from bench.cast import Cast
from core import clock
from core.models import Deadline
from ledger.models import Transaction
from notifications.models import OutboundEmail
from ops.deadlines import run_due
from ops.worker import Worker
from orders import actions as orders
from orders.models import Order
from policy.active import configured_policy

ROOT = Path(__file__).resolve().parent.parent
WORKER = [sys.executable, "-m", "parley.cli", "worker", "--once", "--interval", "0.2"]
DEADLINES_ONLY = [sys.executable, "-m", "bench.drain_deadlines"]
TIME_LIMIT = 600.0


SEED_CHUNK = 250  # orders per commit while seeding: the actions as the API calls them, fewer fsyncs


def _delivered_orders(cast: Cast, n: int) -> tuple[list[int], float]:
    began = time.perf_counter()
    ids = []
    for low in range(0, n, SEED_CHUNK):
        with transaction.atomic():
            for i in range(low, min(n, low + SEED_CHUNK)):
                listing = cast.listing(i)
                order = orders.place_order(by=cast.buyer(i), listing_id=listing.pk)
                orders.deliver(order_id=order.pk, by=listing.seller, note="KEY-1234")
                ids.append(order.pk)
    return ids, time.perf_counter() - began


def _drain_in_process(*, deadlines_only: bool = False) -> None:
    if deadlines_only:
        while run_due(limit=1000):
            pass
        return
    worker = Worker(batch=100)
    # The console e-mail backend prints every e-mail; a worker process's output goes nowhere.
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        while worker.tick():
            pass


def _run_workers(processes: int, *, command: list[str] = WORKER) -> None:
    close_old_connections()
    give_up = time.monotonic() + TIME_LIMIT
    failures = []
    with contextlib.ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile()) for _ in range(processes)]
        children = [
            subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)  # noqa: S603
            for log in logs
        ]
        for child, log in zip(children, logs, strict=True):
            try:
                child.wait(timeout=max(1.0, give_up - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
            if child.returncode != 0:
                log.seek(0)
                failures.append(f"worker exited {child.returncode}: {log.read().decode()[-2000:]}")
    if failures:
        raise RuntimeError("; ".join(failures))


def worker_startup_seconds() -> float:
    """How long `parley worker --once` takes with nothing to do: the fixed cost of a process."""
    began = time.perf_counter()
    _run_workers(1)
    return time.perf_counter() - began


def _verify(ids: list[int], *, since: datetime) -> list[str]:
    problems = []
    unfinished = Order.objects.filter(pk__in=ids).exclude(status=Order.Status.COMPLETED).count()
    if unfinished:
        problems.append(f"{unfinished} storm orders did not complete")
    settlements = (
        Transaction.objects.filter(kind=Transaction.Kind.ORDER_SETTLED, order_id__in=ids)
        .values("order_id")
        .annotate(n=Count("id"))
    )
    counts = [row["n"] for row in settlements]
    if len(counts) != len(ids) or any(n != 1 for n in counts):
        problems.append(f"settlements: {len(counts)} orders settled, {sum(n > 1 for n in counts)} more than once")
    fired = Deadline.objects.filter(
        subject_type="order", subject_id__in=ids, kind=orders.AUTO_COMPLETE, status=Deadline.Status.DONE
    ).count()
    if fired != len(ids):
        problems.append(f"{fired} auto-complete deadlines done for {len(ids)} orders")
    left = Deadline.objects.filter(status=Deadline.Status.PENDING, due_at__lte=since).count()
    if left:
        problems.append(f"{left} due deadlines left pending")
    return problems


def storm(
    cast: Cast, *, orders_count: int, processes: int, deadlines_only: bool = False, bulk: bool = False
) -> dict[str, Any]:
    """`processes` = 0 drains in this process; otherwise that many worker processes at once.
    `deadlines_only`: the drain applies deadlines and leaves the e-mail outbox alone.
    `bulk`: the orders are copies of one made through the actions (`bench.storm_seed`)."""
    if bulk:
        began = time.perf_counter()
        ids = storm_seed.delivered_orders(cast, orders_count)
        seed_seconds = time.perf_counter() - began
    else:
        ids, seed_seconds = _delivered_orders(cast, orders_count)
    # Only the storm's own e-mails should be in the drain: the seeding's count as sent.
    OutboundEmail.objects.filter(status=OutboundEmail.Status.PENDING).update(
        status=OutboundEmail.Status.SENT, sent_at=clock.now()
    )
    startup = worker_startup_seconds() if processes else 0.0
    jumped_to = clock.set_test_time(clock.now() + configured_policy().guarantee_window + timedelta(hours=1))
    due = Deadline.objects.filter(status=Deadline.Status.PENDING, due_at__lte=jumped_to).count()
    began = time.perf_counter()
    if processes:
        _run_workers(processes, command=DEADLINES_ONLY if deadlines_only else WORKER)
    else:
        _drain_in_process(deadlines_only=deadlines_only)
    drain = time.perf_counter() - began
    ran = Deadline.objects.filter(fired_at__gte=jumped_to).exclude(status=Deadline.Status.CANCELLED)
    span = ran.aggregate(first=Min("fired_at"), last=Max("fired_at"))
    ran_count = ran.count()
    # After the jump the test clock runs at the speed of real time, so `fired_at` is a stopwatch:
    # first to last deadline is the drain rate without the workers' start-up.
    window = (span["last"] - span["first"]).total_seconds() if ran_count > 1 else None
    emails = OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT, sent_at__gte=jumped_to).count()
    problems = _verify(ids, since=jumped_to)
    return {
        "mode": (f"{processes} worker processes" if processes else "1 process (in-process worker loop)")
        + (", deadlines only" if deadlines_only else "")
        + (", bulk-seeded" if bulk else ""),
        "processes": max(processes, 1),
        "orders": len(ids),
        "seed_seconds": round(seed_seconds, 2),
        "seed_orders_per_s": len(ids) / seed_seconds,
        "due": due,
        "deadlines_run": ran_count,
        "emails_sent": emails,
        "worker_startup_seconds": round(startup, 2) if processes else None,
        "drain_seconds": round(drain, 2),
        "first_to_last_deadline_seconds": round(window, 2) if window else None,
        "deadlines_per_s": ran_count / window if window else None,
        "orders_settled_per_s": len(ids) / window if window else None,
        "exactly_once": not problems,
        "problems": problems,
    }
