"""The background worker: applies due deadlines, sends queued e-mail and webhooks, prunes old
records.

Everything it does is recorded in the database before it starts, so a worker that is killed
and restarted (or a second worker beside it) loses nothing and repeats nothing."""

from __future__ import annotations

import logging
import signal
import time
from types import FrameType

from django.db import close_old_connections

from api.idempotency import prune as prune_idempotency_keys
from core import ratelimit
from notifications.actions import send_due_emails
from ops import deadlines, orphan_files
from webhooks.actions import prune_deliveries, prune_events, send_due_webhooks

logger = logging.getLogger("parley.worker")
PRUNE_EVERY = 3600.0


class Worker:
    def __init__(self, *, interval: float = 1.0, batch: int = 100) -> None:
        self.interval = interval
        self.batch = batch
        self.stopping = False
        self._last_prune = float("-inf")  # prune in the first round, however long the machine has been up

    def stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        logger.info("worker stopping after the current item")
        self.stopping = True

    def tick(self) -> int:
        """One round of work; returns how many items were handled."""
        done = deadlines.run_due(limit=self.batch)
        done += send_due_emails(limit=self.batch)
        done += send_due_webhooks(limit=self.batch)
        if time.monotonic() - self._last_prune > PRUNE_EVERY:
            self.prune()
        return done

    def prune(self) -> None:
        """Housekeeping, once an hour: expired idempotency keys, old webhook deliveries, and
        uploaded files whose record was rolled back."""
        prune_idempotency_keys()
        prune_deliveries()
        prune_events()
        ratelimit.prune()
        orphan_files.sweep()
        self._last_prune = time.monotonic()

    def run(self, *, once: bool = False) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        logger.info("worker started (poll every %ss)", self.interval)
        while not self.stopping:
            close_old_connections()  # drop connections the database closed or that grew too old
            try:
                done = self.tick()
            except Exception:
                logger.exception("worker round failed; retrying")
                done = 0
                time.sleep(self.interval)
            if once and done == 0:
                break
            if done == 0:
                time.sleep(self.interval)
