"""HTTP: Parley under gunicorn exactly as `parley serve` starts it (on a free port on
127.0.0.1), driven by a closed loop of client threads for a fixed time per scenario.

The client is the standard library (`http.client` with keep-alive, one connection per thread),
so nothing is installed for it; it runs on the same cores as the server, which is why the CPU
per request of the server, the database and the client are reported apart."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.actions import issue_token
from bench import proc
from bench.cast import Cast, make_cast
from ops.management.commands.serve import gunicorn_command
from orders import actions as orders

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
ORDERS_PER_BUYER = 24  # more than a page (20), half of them delivered so they carry deadlines

Request = tuple[str, str, bytes | None, dict[str, str]]
MakeRequest = Callable[[int, int], Request]  # (client thread, request number) -> request


@dataclass(frozen=True, slots=True)
class Fixture:
    tokens: list[str]  # one buyer per client thread
    orders: list[list[str]]  # each buyer's order ids
    listings: list[str]


def seed(*, threads: int) -> Fixture:
    cast: Cast = make_cast("http", buyers=threads, sellers=4)
    order_ids: list[list[str]] = []
    for b, buyer in enumerate(cast.buyers):
        mine = []
        for i in range(ORDERS_PER_BUYER):
            listing = cast.listing(b + i)
            order = orders.place_order(by=buyer, listing_id=listing.pk)
            if i % 2:
                orders.deliver(order_id=order.pk, by=listing.seller, note="KEY-1234")
            mine.append(order.public_id)
        order_ids.append(mine)
    return Fixture(
        tokens=[issue_token(user=buyer, label="bench") for buyer in cast.buyers],
        orders=order_ids,
        listings=[listing.public_id for listing in cast.listings],
    )


def scenarios(fx: Fixture) -> dict[str, MakeRequest]:
    def auth(t: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {fx.tokens[t]}"}

    def detail(t: int, i: int) -> Request:
        mine = fx.orders[t]
        return "GET", f"{API}/orders/{mine[i % len(mine)]}", None, auth(t)

    def listing(t: int, i: int) -> Request:
        return "GET", f"{API}/orders", None, auth(t)

    def place(t: int, i: int) -> Request:
        body = json.dumps({"listing_id": fx.listings[(t + i) % len(fx.listings)]}).encode()
        headers = auth(t) | {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        return "POST", f"{API}/orders", body, headers

    return {"GET /orders/{id}": detail, "GET /orders": listing, "POST /orders": place}


def queries_per_request(fx: Fixture) -> dict[str, dict[str, int]]:
    """Each scenario's request once, in this process, with its queries counted."""
    client = Client(HTTP_HOST="127.0.0.1")
    counted = {}
    for name, make in scenarios(fx).items():
        for label, i in ((name, 0), (f"{name} (delivered)", 1)) if "{id}" in name else ((name, 0),):
            method, path, body, headers = make(0, i)
            with CaptureQueriesContext(connection) as captured:
                response = client.generic(method, path, body or b"", content_type="application/json", headers=headers)
            if response.status_code >= 300:
                raise AssertionError(f"{label}: {response.status_code} {response.content[:300]!r}")
            sqls = [q["sql"] for q in captured.captured_queries]
            counted[label] = {"queries": len(sqls), "test_clock_reads": sum("core_testclock" in s for s in sqls)}
    return counted


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn with `parley serve`'s command line; its log goes to a temporary file."""

    def __init__(self, log: IO[bytes]) -> None:
        self.port = _free_port()
        self.log = log
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            gunicorn_command(port=self.port), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log
        )

    def wait_ready(self, *, timeout: float = 30.0) -> None:
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}: {self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", f"{API}/listings?limit=1")
                if conn.getresponse().status == 200:
                    conn.close()
                    if len(self.workers()) >= 2:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s: {self.tail()}")

    def workers(self) -> list[int]:
        return proc.children_of(self.process.pid)

    def pids(self) -> list[int]:
        return [self.process.pid, *self.workers()]

    def tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def serving() -> Iterator[Server]:
    with tempfile.TemporaryFile() as log:
        server = Server(log)
        try:
            server.wait_ready()
            yield server
        finally:
            server.stop()


def db_backends() -> list[int]:
    """PostgreSQL backends serving this database, except this process's own."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cur:
        cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        return [row[0] for row in cur.fetchall()]


def _client(port: int, make: MakeRequest, t: int, seconds: float, start: threading.Barrier, out: list[Any]) -> None:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    start.wait()
    stop_at = time.perf_counter() + seconds
    i = 0
    while time.perf_counter() < stop_at:
        method, path, body, headers = make(t, i)
        i += 1
        began = time.perf_counter()
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException):
            status = 0  # no answer: connection refused, reset or timed out
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        latencies.append(time.perf_counter() - began)
        statuses[status] += 1
    conn.close()
    out.append((latencies, statuses))


def _percentile(ordered: list[float], p: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def closed_loop(server: Server, make: MakeRequest, *, concurrency: int, seconds: float) -> dict[str, Any]:
    """`concurrency` client threads, each sending its next request when the last one answered."""
    out: list[Any] = []
    start = threading.Barrier(concurrency + 1)
    threads = [
        threading.Thread(target=_client, args=(server.port, make, t, seconds, start, out)) for t in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    app_before, db_before = proc.cpu_of(server.pids()), proc.cpu_of(db_backends())
    client_before = time.process_time()
    start.wait()
    began = time.perf_counter()
    # Backends come and go (CONN_MAX_AGE recycles connections): keep the last reading of each,
    # so the CPU of one that exits during the run is not lost.
    db_seen = dict(db_before)
    while any(thread.is_alive() for thread in threads):
        db_seen |= proc.cpu_of(db_backends())
        threads[0].join(timeout=0.25)
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    client_cpu = time.process_time() - client_before
    app_cpu = proc.cpu_delta(app_before, proc.cpu_of(server.pids()))
    db_cpu = proc.cpu_delta(db_before, db_seen | proc.cpu_of(db_backends()))
    latencies = sorted(lat for lats, _ in out for lat in lats)
    statuses: Counter[int] = Counter()
    for _, counted in out:
        statuses.update(counted)
    n = len(latencies)
    ms = 1000.0
    on_proc = proc.available()
    return {
        "concurrency": concurrency,
        "requests": n,
        "seconds": round(elapsed, 2),
        "rps": n / elapsed,
        "p50_ms": _percentile(latencies, 50) * ms if n else None,
        "p95_ms": _percentile(latencies, 95) * ms if n else None,
        "p99_ms": _percentile(latencies, 99) * ms if n else None,
        "max_ms": latencies[-1] * ms if n else None,
        "status": {str(code): count for code, count in sorted(statuses.items())},
        "server_errors": sum(count for code, count in statuses.items() if code >= 500 or code == 0),
        "app_cpu_ms_per_req": app_cpu / n * ms if n and on_proc else None,
        "db_cpu_ms_per_req": db_cpu / n * ms if n and on_proc and connection.vendor == "postgresql" else None,
        "client_cpu_ms_per_req": client_cpu / n * ms if n else None,
    }


def rss(server: Server) -> dict[str, float | None]:
    return {str(pid): proc.rss_mib(pid) for pid in server.workers()}


def run(fx: Fixture, *, concurrencies: list[int], seconds: float, warmup: float = 2.0) -> dict[str, Any]:
    with serving() as server:
        rss_start = rss(server)
        made = scenarios(fx)
        for name in ("GET /orders/{id}", "GET /orders"):  # every worker thread imports and connects
            closed_loop(server, made[name], concurrency=max(concurrencies), seconds=warmup / 2)
        rows = []
        for name, make in made.items():
            for concurrency in concurrencies:
                rows.append({"scenario": name} | closed_loop(server, make, concurrency=concurrency, seconds=seconds))
        return {
            "server": " ".join(gunicorn_command(port=server.port)[2:]),
            "rows": rows,
            "rss_mib_start": rss_start,
            "rss_mib_end": rss(server),
        }
