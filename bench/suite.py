"""One database's benchmark, in a process of its own: `python -m bench.suite --out FILE ...`.

`bench.run` starts it with the environment that picks the database (a temporary data folder
for SQLite, a fresh `bench_` database for PostgreSQL); settings are read from the environment
when Django starts, hence one process per database. Writes everything it measured as JSON,
and exits 1 when the run broke a rule (an invariant, exactly-once, a 5xx)."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

SECTIONS = ("domain", "storm", "http")


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.suite")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--baseline-seconds", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=5.0, help="per in-process domain operation")
    parser.add_argument("--storm-orders", type=int, default=1000)
    parser.add_argument("--storm-processes", type=int, nargs="*", default=None)
    parser.add_argument("--bulk-storm-orders", type=int, default=0, help="PostgreSQL: a bulk-seeded storm of N")
    parser.add_argument("--bulk-storm-processes", type=int, default=2)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--scale-sizes", type=int, nargs="*", default=[10_000, 1_000_000])
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS, help="sections left out")
    return parser.parse_args(argv)


def _machine() -> dict[str, Any]:
    import django
    from django.db import connection

    from bench import baseline

    cpu = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line]
        cpu = models[0] if models else ""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            db_version = f"PostgreSQL {cur.fetchone()[0]}"
            cur.execute("SHOW synchronous_commit")
            db_version += f" (synchronous_commit={cur.fetchone()[0]})"
    else:
        import sqlite3

        db_version = f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"
    from django.conf import settings

    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": db_version,
        "vendor": connection.vendor,
        "load_average_at_start": os.getloadavg(),
        **baseline.cpu_probe(),
        **baseline.fsync_probe(Path(settings.DATA_DIR)),
    }


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench import baseline, domain, http_load, scale, storm
    from bench.cast import make_cast
    from ops.ledger_check import run_checks

    result: dict[str, Any] = {"config": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}}
    failures: list[str] = []
    result["failures"] = failures

    def phase(name: str, fn: Callable[[], Any]) -> Any:
        began = time.perf_counter()
        print(f"  {name}...", file=sys.stderr, flush=True)
        value = fn()
        result.setdefault("phases", []).append(
            {"phase": name, "seconds": round(time.perf_counter() - began, 1), "load_average": os.getloadavg()}
        )
        return value

    def ledger_check(after: str) -> None:
        began = time.perf_counter()
        report = run_checks()
        result.setdefault("ledger_checks", []).append(
            {
                "after": after,
                "ok": report.ok,
                "problems": report.problems,
                "summary": report.summary,
                "seconds": round(time.perf_counter() - began, 2),
            }
        )
        failures.extend(f"ledger-check after {after}: {problem}" for problem in report.problems)

    try:
        phase("migrate", lambda: (call_command("migrate", verbosity=0), call_command("createcachetable", verbosity=0)))
        result["machine"] = phase("machine", _machine)
        result["raw_sql"] = [
            phase(f"raw SQL x{n}", partial(baseline.raw_money_move, seconds=args.baseline_seconds, connections=n))
            for n in sorted({1, 4, *args.concurrency})
        ]
        result["orm_move"] = [
            phase(f"ORM move x{n}", partial(baseline.orm_money_move, seconds=args.baseline_seconds, connections=n))
            for n in (1, 4)
        ]
        cast = phase("seed domain", lambda: make_cast("dom", buyers=20, sellers=5))
        if "domain" not in args.skip:
            result["domain"] = phase("domain", lambda: domain.throughput(cast, seconds=args.seconds))
            ledger_check("domain")

        modes = args.storm_processes if "storm" not in args.skip else []
        if modes is None:
            modes = [0, 2] if connection.vendor == "postgresql" else [0]
        # Each drain twice: by the worker as it runs (deadlines, then the e-mail outbox, in turns)
        # and deadlines only, which shows the claim's own rate.
        result["storm"] = [
            phase(
                f"storm x{m}{' deadlines only' if only else ''}",
                partial(storm.storm, cast, orders_count=args.storm_orders, processes=m, deadlines_only=only),
            )
            for m in modes
            for only in (False, True)
        ]
        failures.extend(f"storm ({s['mode']}): {p}" for s in result["storm"] for p in s["problems"])
        if modes:
            ledger_check("deadline storm")
        if args.bulk_storm_orders and connection.vendor == "postgresql" and "storm" not in args.skip:
            # Many sellers, so two workers' batches rarely want the same seller's wallet.
            bulk_cast = phase("seed bulk storm people", lambda: make_cast("bulk", buyers=20, sellers=100))
            bulk = phase(
                f"bulk storm x{args.bulk_storm_processes} deadlines only",
                partial(
                    storm.storm,
                    bulk_cast,
                    orders_count=args.bulk_storm_orders,
                    processes=args.bulk_storm_processes,
                    deadlines_only=True,
                    bulk=True,
                ),
            )
            result["storm"].append(bulk)
            failures.extend(f"storm ({bulk['mode']}): {p}" for p in bulk["problems"])
            ledger_check("bulk deadline storm")

        if "http" not in args.skip:
            fixture = phase("seed http", http_load.seed)
            result["queries_per_request"] = phase("queries", lambda: http_load.queries_per_request(fixture))
            # SQLite, the embedded default, has one writer: the money move at 8 clients, beside
            # the bare request at 8, shows what its lock costs (and whether any request hit it).
            extra = (
                []
                if connection.vendor == "postgresql" or 8 in args.concurrency
                else [
                    (http_load.BARE, 8),
                    (http_load.PLACE, 8),
                ]
            )
            result["http"] = phase(
                "http",
                lambda: http_load.run(fixture, concurrencies=args.concurrency, seconds=args.http_seconds, extra=extra),
            )
            failures.extend(
                f"http {row['scenario']} x{row['concurrency']}: {row['server_errors']} server errors {row['status']}"
                for row in result["http"]["rows"]
                if row["server_errors"]
            )
            ledger_check("http")
        # Last: its rows are bulk-inserted without ledger entries (see bench/scale.py).
        if args.scale_sizes:
            lists = phase("lists at scale", lambda: scale.lists_at_scale(sizes=args.scale_sizes))
            result["lists"] = lists["rows"]
            result["lists_seed"] = lists["seed"]
        result["machine"]["load_average_at_end"] = os.getloadavg()
    except Exception:
        failures.append("the benchmark crashed:\n" + traceback.format_exc())
    finally:
        args.out.write_text(json.dumps(result, indent=2, default=str))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
