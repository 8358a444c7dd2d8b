"""Removes uploaded files that no record points to.

An upload is written to storage inside the transaction that creates its record. When that
transaction rolls back (a refusal after the file was saved, a crash, a lost race), the record
is gone but the file stays. The worker sweeps such files away once they are old enough that no
transaction can still be about to commit a record for them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import timedelta

from django.core.files.storage import Storage, default_storage
from django.db import models

from disputes.models import Evidence
from tickets.models import TicketAttachment

logger = logging.getLogger("parley.files")

# Folder in storage -> the model whose `file` field names what is kept there.
OWNERS: dict[str, type[models.Model]] = {"evidence": Evidence, "tickets": TicketAttachment}
GRACE = timedelta(hours=1)
BATCH = 500


def sweep(*, storage: Storage = default_storage, grace: timedelta = GRACE) -> int:
    """Deletes files under the upload folders that are older than `grace` and referenced by
    no record; returns how many. Age is the file's own modification time against the wall
    clock: this is about the disk, and the test clock must not make a fresh upload look old."""
    cutoff = time.time() - grace.total_seconds()
    deleted = 0
    for folder, model in OWNERS.items():
        old = [name for name in _walk(storage, folder) if storage.get_modified_time(name).timestamp() < cutoff]
        for start in range(0, len(old), BATCH):
            batch = old[start : start + BATCH]
            kept = set(model._default_manager.filter(file__in=batch).values_list("file", flat=True))
            for name in batch:
                if name not in kept:
                    storage.delete(name)
                    deleted += 1
    if deleted:
        logger.info("removed %d uploaded files that no record points to", deleted)
    return deleted


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    # Object stores have no folders to ask `exists()` about (it says no), so just list: a
    # missing folder is empty there, and a FileNotFoundError on disk.
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{folder}/{name}"
    for directory in directories:
        yield from _walk(storage, f"{folder}/{directory}")
