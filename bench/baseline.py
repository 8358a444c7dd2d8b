"""Baselines measured in the same run, on the same database: a CPU probe, the raw-SQL money
move, the physical ceiling Parley's own money moves are compared with, and the same move written
naively with Django's ORM, the framework's own floor under any money move Parley makes.

The raw move has the shape of Parley's ledger posting without the application: BEGIN; debit one
balance row; credit another; insert the transaction row and its two entries; COMMIT. It runs
through Django's own connection (same driver, same settings: WAL and IMMEDIATE on SQLite,
persistent connections on PostgreSQL) on three tables of its own, dropped afterwards."""

from __future__ import annotations

import functools
import os
import random
import threading
import time
import timeit
from pathlib import Path
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

ACCOUNTS = 10_000
TABLES = ("bench_raw_entry", "bench_raw_txn", "bench_raw_account")


def cpu_probe() -> dict[str, float]:
    """`python -m timeit "sum(range(1000))"`: the best of 5 repeats, in microseconds per loop."""
    timer = timeit.Timer("sum(range(1000))")
    number, _ = timer.autorange()
    best = min(timer.repeat(repeat=5, number=number)) / number
    return {"sum_range_1000_us": round(best * 1e6, 2)}


def fsync_probe(directory: Path, *, seconds: float = 1.0) -> dict[str, float]:
    """8 kB write + fdatasync in a loop (what `pg_test_fsync` calls fdatasync): how fast this disk
    makes a commit durable. PostgreSQL's single-connection commit rate cannot beat it."""
    path = directory / "bench-fsync-probe"
    block = os.urandom(8192)
    done = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        stop = time.perf_counter() + seconds
        began = time.perf_counter()
        while time.perf_counter() < stop:
            os.pwrite(fd, block, 0)
            os.fdatasync(fd)
            done += 1
        elapsed = time.perf_counter() - began
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return {"fdatasync_per_s": round(done / elapsed, 1), "fdatasync_us": round(elapsed / done * 1e6, 1)}


def _ddl() -> list[str]:
    serial = "BIGSERIAL PRIMARY KEY" if connection.vendor == "postgresql" else "INTEGER PRIMARY KEY AUTOINCREMENT"
    return [
        "CREATE TABLE bench_raw_account (id BIGINT PRIMARY KEY, balance BIGINT NOT NULL)",
        f"CREATE TABLE bench_raw_txn (id {serial}, kind VARCHAR(32) NOT NULL, created_at TIMESTAMP NOT NULL)",
        f"CREATE TABLE bench_raw_entry (id {serial}, txn_id BIGINT NOT NULL REFERENCES bench_raw_txn (id), "
        "account_id BIGINT NOT NULL REFERENCES bench_raw_account (id), amount BIGINT NOT NULL)",
    ]


def _drop() -> None:
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"DROP TABLE IF EXISTS {table}")


def _create() -> None:
    _drop()
    with connection.cursor() as cur:
        for statement in _ddl():
            cur.execute(statement)
        cur.executemany("INSERT INTO bench_raw_account (id, balance) VALUES (%s, 0)", [(i,) for i in range(ACCOUNTS)])


def _mover(seconds: float, start: threading.Barrier, counts: list[int], seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - picks accounts and amounts, no secret
    begin = "BEGIN IMMEDIATE" if connection.vendor == "sqlite" else "BEGIN"
    done = 0
    try:
        start.wait()
        stop = time.perf_counter() + seconds
        with connection.cursor() as cur:
            while time.perf_counter() < stop:
                a, b = rng.sample(range(ACCOUNTS), 2)
                amount = rng.randint(1, 10_000)
                # Lower id first, as `core.locking` does, so concurrent movers never deadlock.
                first, second = sorted(((a, -amount), (b, amount)))
                cur.execute(begin)
                cur.execute("UPDATE bench_raw_account SET balance = balance + %s WHERE id = %s", [first[1], first[0]])
                cur.execute("UPDATE bench_raw_account SET balance = balance + %s WHERE id = %s", [second[1], second[0]])
                cur.execute(
                    "INSERT INTO bench_raw_txn (kind, created_at) VALUES ('transfer', CURRENT_TIMESTAMP) RETURNING id"
                )
                txn_id = cur.fetchone()[0]
                cur.execute(
                    "INSERT INTO bench_raw_entry (txn_id, account_id, amount) VALUES (%s, %s, %s), (%s, %s, %s)",
                    [txn_id, a, -amount, txn_id, b, amount],
                )
                cur.execute("COMMIT")
                done += 1
    finally:
        counts.append(done)
        if threading.current_thread() is not threading.main_thread():
            connection.close()


@functools.cache
def _orm_models() -> tuple[type[models.Model], type[models.Model], type[models.Model]]:
    """The raw move's three tables as Django models (unmanaged: the baseline creates and drops
    the tables itself), defined once per process under an installed app so the ORM accepts them."""

    class BenchAccount(models.Model):  # noqa: DJ008 - never shown
        id = models.BigIntegerField(primary_key=True)
        balance = models.BigIntegerField()

        class Meta:
            app_label, db_table, managed = "core", "bench_raw_account", False

    class BenchTxn(models.Model):  # noqa: DJ008 - never shown
        kind = models.CharField(max_length=32)
        created_at = models.DateTimeField()

        class Meta:
            app_label, db_table, managed = "core", "bench_raw_txn", False

    class BenchEntry(models.Model):  # noqa: DJ008 - never shown
        txn = models.ForeignKey(BenchTxn, on_delete=models.CASCADE, db_constraint=False)
        account = models.ForeignKey(BenchAccount, on_delete=models.CASCADE, db_constraint=False)
        amount = models.BigIntegerField()

        class Meta:
            app_label, db_table, managed = "core", "bench_raw_entry", False

    return BenchAccount, BenchTxn, BenchEntry


def _orm_mover(seconds: float, start: threading.Barrier, counts: list[int], seed: int) -> None:
    """The raw move as a Django developer would first write it: both accounts locked in one
    query, each balance saved, the transaction row created, its two entries in one insert."""
    account_model, txn_model, entry_model = _orm_models()
    rng = random.Random(seed)  # noqa: S311 - picks accounts and amounts, no secret
    done = 0
    try:
        start.wait()
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            a, b = rng.sample(range(ACCOUNTS), 2)
            amount = rng.randint(1, 10_000)
            with transaction.atomic():
                locked = {
                    row.pk: row
                    for row in account_model._default_manager.select_for_update().filter(pk__in=(a, b)).order_by("pk")
                }
                for pk, change in ((a, -amount), (b, amount)):
                    locked[pk].balance += change  # type: ignore[attr-defined]
                    locked[pk].save(update_fields=["balance"])
                txn = txn_model._default_manager.create(kind="transfer", created_at=timezone.now())
                entry_model._default_manager.bulk_create(
                    [
                        entry_model(txn=txn, account_id=a, amount=-amount),
                        entry_model(txn=txn, account_id=b, amount=amount),
                    ]
                )
            done += 1
    finally:
        counts.append(done)
        if threading.current_thread() is not threading.main_thread():
            connection.close()


def raw_money_move(*, seconds: float, connections: int) -> dict[str, Any]:
    """Money moves per second with `connections` concurrent connections, each in its own thread."""
    return _money_move(_mover, seconds=seconds, connections=connections)


def orm_money_move(*, seconds: float, connections: int) -> dict[str, Any]:
    """The same move through Django's ORM (`_orm_mover`), and its CPU per move in this process:
    what the framework costs before Parley adds a rule. (Threads share one interpreter lock, so
    more connections show the database's waits overlapping, not more Python.)"""
    return _money_move(_orm_mover, seconds=seconds, connections=connections)


def _money_move(mover: Any, *, seconds: float, connections: int) -> dict[str, Any]:
    _create()
    try:
        counts: list[int] = []
        start = threading.Barrier(connections)
        cpu_began = time.process_time()
        if connections == 1:
            began = time.perf_counter()
            mover(seconds, start, counts, 1)
        else:
            threads = [threading.Thread(target=mover, args=(seconds, start, counts, i)) for i in range(connections)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        elapsed = time.perf_counter() - began
        cpu = time.process_time() - cpu_began
        with connection.cursor() as cur:
            cur.execute("SELECT COALESCE(SUM(balance), 0) FROM bench_raw_account")
            balances = cur.fetchone()[0]
            cur.execute("SELECT COALESCE(SUM(amount), 0), COUNT(*) FROM bench_raw_entry")
            entries, rows = cur.fetchone()
        moves = sum(counts)
        if balances != 0 or entries != 0 or rows != 2 * moves:
            raise AssertionError(f"raw baseline lost money: balances {balances}, entries {entries}, rows {rows}")
        return {
            "connections": connections,
            "moves": moves,
            "seconds": round(elapsed, 2),
            "per_s": moves / elapsed,
            "cpu_us_per_move": round(cpu / moves * 1e6, 1) if moves else None,
        }
    finally:
        _drop()
