"""Row locks, always taken in id order so two transactions never wait on each other in a
circle. On SQLite `select_for_update` does nothing, but every write transaction there starts
with BEGIN IMMEDIATE and holds the database's single write lock, which serialises just as well.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models, transaction


def lock[M: models.Model](model: type[M], ids: Iterable[int]) -> dict[int, M]:
    """Locks the rows of `model` with these ids (in id order) and returns them by id."""
    assert transaction.get_connection().in_atomic_block, "lock() needs a transaction"
    wanted = sorted(set(ids))
    rows = model._default_manager.select_for_update().filter(pk__in=wanted).order_by("pk")
    return {row.pk: row for row in rows}


def lock_one[M: models.Model](model: type[M], pk: int) -> M:
    assert transaction.get_connection().in_atomic_block, "lock_one() needs a transaction"
    return model._default_manager.select_for_update().get(pk=pk)
