"""The background worker: applies due deadlines, sends queued e-mail and webhooks, prunes old
records.

Everything it does is recorded in the database before it starts, so a worker that is killed
and restarted (or a second worker beside it) loses nothing and repeats nothing.

`parley worker` runs each kind of work in a loop of its own thread, so nothing one loop waits
for can hold another back: a mail server that accepts a connection and then says nothing
delays e-mail, never a deadline. Every send is bounded (`PARLEY_SMTP_TIMEOUT`, the webhook
sender's 5 s), and every round of a sending loop stops taking new items after its time budget
(`PARLEY_WORKER_SEND_BUDGET`), so each loop reports back (its heartbeat row, `/readyz`) at least
once per budget plus one send. `--once` runs the same rounds one after another until nothing is
left, which is what tests and scripts want.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from types import FrameType

from django.conf import settings
from django.db import close_old_connections, connections

from core import clock
from notifications.actions import send_due_emails
from ops import deadlines, orphan_files, retention
from webhooks.actions import send_due_webhooks

logger = logging.getLogger("parley.worker")
PRUNE_EVERY = 3600.0
HEARTBEAT_EVERY = 5.0  # seconds between heartbeat writes of one loop (the first round always writes)
HEARTBEAT_KEEP = timedelta(days=1)  # rows of workers gone this long are pruned


def apply_due_deadlines(*, limit: int = 100, budget: float | None = None) -> int:
    """One round of the deadline loop: applies due deadlines, earliest first, a batch per
    transaction (`ops.deadlines.run_batch`), until none is due, `limit` are taken or `budget`
    seconds have passed. Callable on its own (tests, scripts)."""
    stop_at = None if budget is None else time.monotonic() + budget
    ran = 0
    while ran < limit and (stop_at is None or time.monotonic() < stop_at):
        batch = deadlines.run_batch(limit=min(deadlines.CLAIM_BATCH, limit - ran))
        if not batch.claimed:
            break
        ran += batch.claimed
    return ran


def send_emails(*, limit: int = 100, budget: float | None = None) -> int:
    """One round of the e-mail loop: one e-mail at a time, so the budget is checked between sends."""
    stop_at = None if budget is None else time.monotonic() + budget
    sent = 0
    while sent < limit and (stop_at is None or time.monotonic() < stop_at):
        if send_due_emails(limit=1) == 0:
            break
        sent += 1
    return sent


def send_webhooks(*, limit: int = 100, budget: float | None = None) -> int:
    return send_due_webhooks(limit=limit, budget=settings.WORKER_SEND_BUDGET if budget is None else budget)


@dataclass
class Loop:
    """One kind of work and how often to look for it."""

    name: str
    round: Callable[[], int]
    interval: float
    started_at: float = field(default_factory=time.monotonic)
    rounds: int = 0
    handled: int = 0
    last_beat: float = float("-inf")
    last_error: str = ""


class Worker:
    def __init__(self, *, interval: float = 1.0, batch: int = 100, budget: float | None = None) -> None:
        self.interval = interval
        self.batch = batch
        self.budget = settings.WORKER_SEND_BUDGET if budget is None else budget
        self.stopping = threading.Event()
        self._last_prune = float("-inf")  # prune in the first round, however long the machine has been up
        self.host = socket.gethostname()[:100]
        self.pid = os.getpid()
        self.loops = [
            Loop("deadlines", lambda: apply_due_deadlines(limit=self.batch, budget=self.budget), interval),
            Loop("email", lambda: send_emails(limit=self.batch, budget=self.budget), interval),
            Loop("webhooks", lambda: send_webhooks(limit=self.batch, budget=self.budget), interval),
            Loop("housekeeping", self._prune_when_due, max(interval, 5.0)),
        ]

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        logger.info("worker stopping after the current item")
        self.stopping.set()

    def tick(self) -> int:
        """One round of every loop, one after another; returns how many items were handled."""
        done = 0
        for loop in self.loops:
            done += self._round(loop)
        return done

    def _prune_when_due(self) -> int:
        if time.monotonic() - self._last_prune > PRUNE_EVERY:
            self.prune()
        return 0

    def prune(self) -> None:
        """Housekeeping, once an hour: what is past its retention (`ops.retention`: sessions,
        e-mails, webhook deliveries, idempotency keys), uploaded files whose record was rolled
        back, and heartbeat rows of workers long gone."""
        from ops.models import WorkerHeartbeat

        removed = retention.prune()
        if any(removed.values()):
            logger.info("pruned what is past its retention", extra=removed)
        orphan_files.sweep()
        WorkerHeartbeat.objects.filter(beat_at__lt=clock.system_now() - HEARTBEAT_KEEP).delete()
        self._last_prune = time.monotonic()

    def _round(self, loop: Loop) -> int:
        """One round of one loop; a failure is logged and kept on the heartbeat row, never raised."""
        try:
            done = loop.round()
            loop.last_error = ""
        except Exception as exc:
            logger.exception("worker %s round failed; retrying", loop.name)
            loop.last_error = "".join(traceback.format_exception_only(exc))[-2000:]
            done = 0
        loop.rounds += 1
        loop.handled += done
        self._beat(loop)
        return done

    def _beat(self, loop: Loop) -> None:
        if time.monotonic() - loop.last_beat < HEARTBEAT_EVERY:
            return
        from ops.models import WorkerHeartbeat

        now = clock.system_now()
        try:
            WorkerHeartbeat.objects.update_or_create(
                name=f"{self.host}:{self.pid}:{loop.name}",
                defaults={
                    "loop": loop.name,
                    "host": self.host,
                    "pid": self.pid,
                    "beat_at": now,
                    "rounds": loop.rounds,
                    "handled": loop.handled,
                    "last_error": loop.last_error,
                },
                create_defaults={
                    "loop": loop.name,
                    "host": self.host,
                    "pid": self.pid,
                    "beat_at": now,
                    "started_at": now,
                    "rounds": loop.rounds,
                    "handled": loop.handled,
                    "last_error": loop.last_error,
                },
            )
        except Exception:
            logger.exception("worker %s could not write its heartbeat", loop.name)
            return
        loop.last_beat = time.monotonic()

    def _run_loop(self, loop: Loop) -> None:
        try:
            while not self.stopping.is_set():
                close_old_connections()  # drop connections the database closed or that grew too old
                if self._round(loop) == 0:
                    self.stopping.wait(loop.interval)
        finally:
            connections.close_all()

    def run(self, *, once: bool = False) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        if once:
            while not self.stopping.is_set():
                close_old_connections()
                if self.tick() == 0:
                    return
            return
        logger.info("worker started (poll every %ss, loops: %s)", self.interval, ", ".join(x.name for x in self.loops))
        threads = [
            threading.Thread(target=self._run_loop, args=(loop,), name=f"parley-{loop.name}", daemon=True)
            for loop in self.loops
        ]
        for thread in threads:
            thread.start()
        while not self.stopping.is_set():
            self.stopping.wait(0.5)
            for thread in threads:
                if not thread.is_alive() and not self.stopping.is_set():
                    logger.error("worker loop %s ended unexpectedly; stopping the worker", thread.name)
                    self.stopping.set()
        # A loop in the middle of a send finishes it (bounded by its timeout) before it stops.
        grace = settings.WORKER_SEND_BUDGET + 10.0
        for thread in threads:
            thread.join(timeout=grace)
        logger.info("worker stopped")
