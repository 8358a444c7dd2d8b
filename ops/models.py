from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per loop of each running worker (`host:pid:loop`), touched after every round.
    `/readyz` and `/metrics` read how long ago each loop last finished a round."""

    name = models.CharField(max_length=200, unique=True)
    loop = models.CharField(max_length=32)
    host = models.CharField(max_length=128)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField(db_index=True)
    rounds = models.PositiveBigIntegerField(default=0)
    handled = models.PositiveBigIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name
