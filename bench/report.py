"""The tables `bench.run` prints: one per database, absolute numbers next to the raw-SQL money
move measured in the same run ("% of raw c=1": the share of that ceiling Parley reaches)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

Row = Sequence[str]


def _num(value: Any, digits: int = 0) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _pct(value: float | None, ceiling: float) -> str:
    return "n/a" if value is None or not ceiling else f"{value / ceiling * 100:.1f} %"


def _load(value: Any) -> str:
    return "n/a" if not value else " ".join(f"{x:.2f}" for x in value)


def table(headers: Row, rows: Sequence[Row]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Row) -> str:
        first, *rest = cells
        return "  ".join([first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))])

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def _baselines(db: dict[str, Any], ceiling: float) -> str:
    m = db.get("machine", {})
    rows: list[Row] = [
        ["CPU probe: sum(range(1000))", f"{_num(m.get('sum_range_1000_us'), 1)} µs", ""],
        ["disk: 8 kB write + fdatasync", f"{_num(m.get('fdatasync_per_s'))} /s", ""],
    ]
    rows += [
        [
            f"raw-SQL money move, {r['connections']} connection(s) ({_num(r.get('cpu_us_per_move'))} µs CPU each)",
            f"{_num(r['per_s'])} /s",
            _pct(r["per_s"], ceiling),
        ]
        for r in db.get("raw_sql", [])
    ]
    rows += [
        [
            f"the same move in Django's ORM, {r['connections']} connection(s) "
            f"({_num(r.get('cpu_us_per_move'))} µs CPU each)",
            f"{_num(r['per_s'])} /s",
            _pct(r["per_s"], ceiling),
        ]
        for r in db.get("orm_move", [])
    ]
    return table(["baseline", "value", "% of raw c=1"], rows)


def _domain(rows: list[dict[str, Any]], ceiling: float) -> str:
    headers = ["operation", "ops/s", "money moves/s", "% of raw c=1", "ms/op", "queries/op (test-clock reads)"]
    return table(
        headers,
        [
            [
                r["name"],
                _num(r["per_s"], 1),
                _num(r["money_moves_per_s"], 1),
                _pct(r["money_moves_per_s"], ceiling),
                _num(r["ms_per_op"], 2),
                f"{r['queries']} ({r['test_clock_reads']})",
            ]
            for r in rows
        ],
    )


def _storm(rows: list[dict[str, Any]], ceiling: float) -> str:
    headers = ["drained by", "orders", "deadlines", "e-mails", "drain s (wall)", "first-last deadline s"]
    headers += ["deadlines/s", "% of raw c=1", "orders settled/s", "worker start-up s", "exactly once"]
    return table(
        headers,
        [
            [
                s["mode"],
                _num(s["orders"]),
                _num(s["deadlines_run"]),
                _num(s["emails_sent"]),
                _num(s["drain_seconds"], 1),
                _num(s["first_to_last_deadline_seconds"], 1),
                _num(s["deadlines_per_s"], 1),
                _pct(s["deadlines_per_s"], ceiling),
                _num(s["orders_settled_per_s"], 1),
                _num(s["worker_startup_seconds"], 2),
                "yes" if s["exactly_once"] else "NO: " + "; ".join(s["problems"]),
            ]
            for s in rows
        ],
    )


def _http(http: dict[str, Any], ceiling: float, raw: list[dict[str, Any]] | None = None) -> str:
    """Each row next to the bare request and the raw-SQL move at the same concurrency."""
    bare = {r["concurrency"]: r["rps"] for r in http["rows"] if r["scenario"].startswith("GET /healthz")}
    raw_at = {r["connections"]: r["per_s"] for r in raw or []}
    headers = ["scenario", "conc", "rps", "% of bare", "% of raw", "p50 ms", "p95 ms", "p99 ms", "statuses"]
    headers += ["app CPU ms/req", "PG CPU ms/req", "client CPU ms/req"]
    rows = []
    for r in http["rows"]:
        c = r["concurrency"]
        rate = r.get("pairs_per_s", r["rps"])  # a pair is two requests and one money move
        rows.append(
            [
                r["scenario"] + (" [pairs/s]" if "pairs_per_s" in r else ""),
                str(c),
                _num(rate, 1),
                _pct(rate, bare.get(c, 0.0)),
                _pct(rate, raw_at.get(c, 0.0)),
                _num(r["p50_ms"], 1),
                _num(r["p95_ms"], 1),
                _num(r["p99_ms"], 1),
                " ".join(f"{code}x{n}" for code, n in r["status"].items())
                + ("" if r.get("database_locked") is None else f" (db locked x{r['database_locked']})"),
                _num(r["app_cpu_ms_per_req"], 2),
                _num(r["db_cpu_ms_per_req"], 2),
                _num(r["client_cpu_ms_per_req"], 2),
            ]
        )
    rss = "gunicorn worker RSS (MiB): at start {}; at end {}".format(
        ", ".join(_num(v, 1) for v in http["rss_mib_start"].values()),
        ", ".join(_num(v, 1) for v in http["rss_mib_end"].values()),
    )
    note = (
        f"% of bare: of GET /healthz at the same concurrency; % of raw: of the raw-SQL move with as many "
        f"connections. Pairs use the {http.get('pair_orders_queued', 0)} orders the POST runs placed."
    )
    return "\n".join([table(headers, rows), rss, note])


def _queries(counted: dict[str, dict[str, int]]) -> str:
    rows = [[name, str(v["queries"]), str(v["test_clock_reads"])] for name, v in counted.items()]
    return table(["request", "queries", "of which test-clock reads"], rows)


def _lists(lists: list[dict[str, Any]]) -> str:
    headers = ["list", "orders", "open", "requests", "p50 ms", "p95 ms", "p95 / smallest size"]
    smallest: dict[str, float] = {}
    rows = []
    for r in lists:
        smallest.setdefault(r["list"], r["p95_ms"])
        ratio = r["p95_ms"] / smallest[r["list"]] if smallest[r["list"]] else None
        rows.append(
            [
                r["list"],
                _num(r["orders"]),
                _num(r["open"]),
                _num(r["requests"]),
                _num(r["p50_ms"], 2),
                _num(r["p95_ms"], 2),
                "n/a" if ratio is None else f"{ratio:.2f} x",
            ]
        )
    plans = [f"-- {r['list']} at {r['orders']:,} orders:\n{r['plan']}" for r in lists if r.get("plan")]
    return "\n".join([table(headers, rows), "", "EXPLAIN ANALYZE of each list's query:", *plans])


def _checks(checks: list[dict[str, Any]]) -> str:
    verdicts = "; ".join(f"after {c['after']}: {'ok' if c['ok'] else 'BROKEN'} ({c['seconds']} s)" for c in checks)
    return f"ledger-check: {verdicts}\n  {', '.join(checks[-1]['summary'])}"


def render(db: dict[str, Any]) -> str:
    m = db.get("machine", {})
    raw = db.get("raw_sql", [])
    ceiling = raw[0]["per_s"] if raw else 0.0
    out = [
        f"=== {m.get('database', db.get('label', '?'))} ===",
        f"machine: {m.get('cores')} cores {m.get('cpu', '')}; Python {m.get('python')}, Django {m.get('django')}; "
        f"load average {_load(m.get('load_average_at_start'))} at start, {_load(m.get('load_average_at_end'))} at end",
        "",
        "Baselines (same run, same database)",
        _baselines(db, ceiling),
    ]
    sections: list[tuple[str, str, Callable[[Any, float], str]]] = [
        ("domain", "In-process domain throughput (one thread, no HTTP)", _domain),
        ("storm", "Deadline storm (clock jumped past the guarantee window, drained by the worker logic)", _storm),
        ("http", "HTTP, closed loop: gunicorn as `parley serve` starts it", _http),
    ]
    for key, title, render_section in sections:
        if db.get(key):
            body = _http(db[key], ceiling, raw) if key == "http" else render_section(db[key], ceiling)
            out += ["", title, body]
    if db.get("lists"):
        out += ["", "Lists at scale (rows seeded with bulk inserts, not through the actions)", _lists(db["lists"])]
    if db.get("queries_per_request"):
        out += ["", "Queries per request (in-process, Django test client)", _queries(db["queries_per_request"])]
    if db.get("ledger_checks"):
        out += ["", _checks(db["ledger_checks"])]
    failures = db.get("failures", [])
    out += ["", "RESULT: " + ("FAILED\n  - " + "\n  - ".join(failures) if failures else "ok")]
    return "\n".join(out)
