"""`make bench` / `python -m bench.run`: Parley's numbers next to baselines from the same run.

For each database it makes a fresh one (SQLite in a temporary data folder; PostgreSQL as a new
`bench_...` database on the server of `--postgres URL` or `DATABASE_URL`, dropped afterwards),
runs `bench.suite` in a child process against it, prints one table per database and writes the
same numbers as JSON into bench/results/. Exits 1 if any run broke a rule."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, LiteralString
from urllib.parse import urlsplit, urlunsplit

from bench import report

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
CHILD_TIME_LIMIT = 1800.0


def _args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=os.environ.get("DATABASE_URL") or DEFAULT_POSTGRES,
        default=os.environ.get("DATABASE_URL") or None,
        metavar="URL",
        help="also run on PostgreSQL: a fresh bench_ database on this server (default: DATABASE_URL, "
        f"else {DEFAULT_POSTGRES}); the URL's own database is only used to create and drop it",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (seconds, not minutes)")
    parser.add_argument("--seconds", type=float, help="per in-process domain operation (default 5)")
    parser.add_argument("--http-seconds", type=float, help="per HTTP scenario and concurrency (default 10)")
    parser.add_argument("--storm-orders", type=int, help="orders in the deadline storm (default 1000)")
    parser.add_argument(
        "--storm-processes",
        type=int,
        nargs="*",
        help="storm drains: 0 = in this process, n = n worker processes (default: 0 2 on PostgreSQL, 0 on SQLite)",
    )
    parser.add_argument(
        "--bulk-storm-orders",
        type=int,
        help="PostgreSQL: also a storm of this many orders due at once (e.g. 10000), bulk-seeded as copies of "
        "one made through the actions, drained by --bulk-storm-processes workers (default 2), deadlines only",
    )
    parser.add_argument("--bulk-storm-processes", type=int, help="worker processes for the bulk storm (default 2)")
    parser.add_argument("--concurrency", type=int, nargs="+", help="HTTP client threads (default 1 4 16)")
    parser.add_argument(
        "--scale-sizes",
        type=int,
        nargs="*",
        help="orders in the lists-at-scale phase, PostgreSQL only (default 10000 1000000; --quick: 2000 20000; "
        "none to skip)",
    )
    parser.add_argument(
        "--skip", nargs="+", choices=("domain", "storm", "http"), help="sections left out (the baselines always run)"
    )
    return parser.parse_args(argv)


def _suite_args(args: argparse.Namespace) -> list[str]:
    chosen: dict[str, Any] = {
        "seconds": args.seconds,
        "http_seconds": args.http_seconds,
        "storm_orders": args.storm_orders,
        "bulk_storm_orders": args.bulk_storm_orders,
        "bulk_storm_processes": args.bulk_storm_processes,
    }
    if args.quick:
        chosen = {"baseline_seconds": 1, "seconds": 1, "http_seconds": 2, "storm_orders": 100} | {
            k: v for k, v in chosen.items() if v is not None
        }
    out = []
    for name, value in chosen.items():
        if value is not None:
            out += [f"--{name.replace('_', '-')}", str(value)]
    if args.concurrency:
        out += ["--concurrency", *map(str, args.concurrency)]
    if args.skip:
        out += ["--skip", *args.skip]
    if args.storm_processes is not None:
        out += ["--storm-processes", *map(str, args.storm_processes)]
    if args.scale_sizes is not None:
        out += ["--scale-sizes", *map(str, args.scale_sizes)]
    elif args.quick:
        out += ["--scale-sizes", "2000", "20000"]
    return out


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _create_database(url: str, name: str) -> None:
    _admin(url, "CREATE DATABASE {}", name)


def _drop_database(url: str, name: str) -> None:
    _admin(url, "DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


def _admin(url: str, statement: LiteralString, name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL(statement).format(sql.Identifier(name)))


def _run_one(label: str, env: dict[str, str], suite_args: list[str]) -> dict[str, Any]:
    out = Path(env["PARLEY_DATA_DIR"]) / "bench-result.json"
    print(f"== {label}", file=sys.stderr, flush=True)
    began = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.suite", "--out", str(out), *suite_args],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # so a stuck run can be stopped with everything it started
    )
    try:
        child.wait(timeout=CHILD_TIME_LIMIT)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    result: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    result["label"] = label
    result["wall_seconds"] = round(time.perf_counter() - began, 1)
    if child.returncode != 0 and not result.get("failures"):
        result.setdefault("failures", []).append(f"the suite exited {child.returncode} (time limit or crash)")
    return result


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    base_env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {
        "DJANGO_SETTINGS_MODULE": "parley.settings",
        "PARLEY_SECRET_KEY": secrets.token_urlsafe(64),
        "PARLEY_HTTPS": "0",
        "PARLEY_TEST_CLOCK": "1",
        "PARLEY_DEMO": "0",
        "PARLEY_PLAIN_STATIC": "1",  # the API serves no static files; skips collectstatic
        "PARLEY_LOG_LEVEL": "WARNING",
    }
    targets = [] if args.no_sqlite else ["sqlite"]
    if args.postgres:
        targets.append("postgresql")
    results = []
    for target in targets:
        data_dir = Path(tempfile.mkdtemp(prefix=f"parley-bench-{target}-"))
        (data_dir / "static").mkdir()  # STATIC_ROOT; whitenoise warns when it is missing
        env = base_env | {"PARLEY_DATA_DIR": str(data_dir), "PARLEY_MEDIA_ROOT": str(data_dir / "private")}
        database = None
        try:
            if target == "postgresql":
                # Named after the URL's database, so several people sharing a server never collide.
                database = f"{urlsplit(args.postgres).path.strip('/') or 'postgres'}_bench_{secrets.token_hex(4)}"
                _create_database(args.postgres, database)
                env["DATABASE_URL"] = _with_database(args.postgres, database)
            results.append(_run_one(target, env, _suite_args(args)))
        finally:
            if database:
                _drop_database(args.postgres, database)
            shutil.rmtree(data_dir, ignore_errors=True)
    for result in results:
        print()
        print(report.render(result))
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps({"finished_at": stamp, "argv": sys.argv[1:], "databases": results}, indent=2))
    print(f"\nwritten: {path.relative_to(ROOT)}")
    return 1 if any(r.get("failures") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
