"""HTTP: Parley under gunicorn exactly as `parley serve` starts it (on a free port on
127.0.0.1), driven by a closed loop of client threads for a fixed time per scenario.

The client is the standard library (`http.client` with keep-alive, one connection per thread),
so nothing is installed for it; it runs on the same cores as the server, which is why the CPU
per request of the server, the database and the client are reported apart."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.actions import issue_token
from bench import proc
from bench.cast import Cast, make_cast
from core import clock
from disputes import opening
from ops.management.commands.serve import gunicorn_command
from orders import actions as orders
from orders.models import Order
from policy.active import configured_policy

ROOT = Path(__file__).resolve().parent.parent
API = "/api/v1"
ORDERS_PER_READER = 24  # more than a page (20), half of them delivered so they carry deadlines
READERS = 16  # buyers whose orders the read scenarios fetch
# Writers: every POST (and each half of a deliver+confirm pair) is made by the next person of a
# pool, so no one comes near the write limit (PARLEY_WRITE_LIMIT, 120 a minute by default).
BUYERS = 240
SELLERS = 120
DISPUTES = 32

Request = tuple[str, str, bytes | None, dict[str, str]]
MakeRequest = Callable[[int, int], Request | None]  # (client thread, request number) -> request; None: done


@dataclass(slots=True)
class Fixture:
    reader_tokens: list[str]  # the first READERS buyers
    orders: list[list[str]]  # each reader's order ids
    buyer_tokens: list[str]
    seller_tokens: dict[str, str]  # seller's listing public id -> seller's token
    listings: list[str]
    disputes: list[tuple[str, str]]  # (dispute public id, the buyer's token)
    # Paid orders for the deliver+confirm pairs: (order id, seller token, buyer token). Filled
    # from the orders the POST /orders runs placed.
    to_deliver: deque[tuple[str, str, str]] = field(default_factory=deque)


def seed(*, disputes: int = DISPUTES) -> Fixture:
    cast: Cast = make_cast("http", buyers=BUYERS, sellers=SELLERS)
    buyer_tokens = [issue_token(user=buyer, label="bench") for buyer in cast.buyers]
    seller_token_of = {seller.pk: issue_token(user=seller, label="bench") for seller in cast.sellers}
    order_ids: list[list[str]] = []
    for b, buyer in enumerate(cast.buyers[:READERS]):
        mine = []
        for i in range(ORDERS_PER_READER):
            listing = cast.listing(b + i)
            order = orders.place_order(by=buyer, listing_id=listing.pk)
            if i % 2:
                orders.deliver(order_id=order.pk, by=listing.seller, note="KEY-1234")
            mine.append(order.public_id)
        order_ids.append(mine)
    # Disputes need orders older than min_order_age: place them, move the clock, open them.
    to_dispute = []
    for i in range(disputes):
        listing = cast.listing(i)
        order = orders.place_order(by=cast.buyer(i), listing_id=listing.pk)
        orders.deliver(order_id=order.pk, by=listing.seller, note="KEY-1234")
        to_dispute.append((order, i))
    clock.set_test_time(clock.now() + configured_policy().min_order_age + timedelta(minutes=1))
    opened = []
    for order, i in to_dispute:
        dispute = opening.open_dispute(
            order_id=order.pk,
            by=order.buyer,
            reason="incorrect",
            description="The key is for the wrong region.",
            requested_kind="partial_refund",
            refund_amount=order.price_amount // 2,
            accept_terms=True,
        )
        opened.append((dispute.public_id, buyer_tokens[i % len(buyer_tokens)]))
    return Fixture(
        reader_tokens=buyer_tokens[:READERS],
        orders=order_ids,
        buyer_tokens=buyer_tokens,
        seller_tokens={listing.public_id: seller_token_of[listing.seller_id] for listing in cast.listings},
        listings=[listing.public_id for listing in cast.listings],
        disputes=opened,
    )


def collect_paid_orders(fx: Fixture) -> int:
    """After the POST /orders runs: their orders (still paid) become the deliver+confirm queue."""
    rows = (
        Order.objects.filter(status=Order.Status.PAID, listing__public_id__in=fx.listings)
        .order_by("id")
        .values_list("public_id", "listing__public_id", "buyer__username")
    )
    index_of = {f"http-buyer{i}": i for i in range(len(fx.buyer_tokens))}
    fx.to_deliver = deque(
        (order_id, fx.seller_tokens[listing_id], fx.buyer_tokens[index_of[buyer]])
        for order_id, listing_id, buyer in rows
        if buyer in index_of
    )
    return len(fx.to_deliver)


def _json(body: object) -> bytes:
    return json.dumps(body).encode()


def scenarios(fx: Fixture, *, concurrency: int = 1) -> dict[str, MakeRequest]:
    """Each scenario's next request for client thread `t`, request number `i`."""

    def auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def write(token: str) -> dict[str, str]:
        return auth(token) | {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}

    def bare(t: int, i: int) -> Request:
        return "GET", "/healthz", None, {}

    def detail(t: int, i: int) -> Request:
        mine = fx.orders[t % len(fx.orders)]
        return "GET", f"{API}/orders/{mine[i % len(mine)]}", None, auth(fx.reader_tokens[t % len(fx.reader_tokens)])

    def order_list(t: int, i: int) -> Request:
        return "GET", f"{API}/orders", None, auth(fx.reader_tokens[t % len(fx.reader_tokens)])

    def dispute(t: int, i: int) -> Request:
        dispute_id, token = fx.disputes[(t + i * concurrency) % len(fx.disputes)]
        return "GET", f"{API}/disputes/{dispute_id}", None, auth(token)

    def place(t: int, i: int) -> Request:
        n = t + i * concurrency  # every request by the next buyer of the pool
        body = _json({"listing_id": fx.listings[n % len(fx.listings)]})
        return "POST", f"{API}/orders", body, write(fx.buyer_tokens[n % len(fx.buyer_tokens)])

    current: dict[int, tuple[str, str, str]] = {}

    def pair(t: int, i: int) -> Request | None:
        # An even request takes the next paid order off the shared queue and delivers it; the
        # odd one after it confirms that order. An order taken is never handed out again.
        if i % 2 == 0:
            try:
                current[t] = fx.to_deliver.popleft()
            except IndexError:
                return None
            order_id, seller_token, _ = current[t]
            return "POST", f"{API}/orders/{order_id}/deliver", _json({"note": "KEY-1234"}), write(seller_token)
        order_id, _, buyer_token = current[t]
        return "POST", f"{API}/orders/{order_id}/confirm", _json({}), write(buyer_token)

    return {
        BARE: bare,
        "GET /orders/{id}": detail,
        "GET /disputes/{id}": dispute,
        "GET /orders": order_list,
        PLACE: place,
        PAIR: pair,
    }


BARE = "GET /healthz (bare request)"
PLACE = "POST /orders"
LOCKED = "OperationalError: database is locked"
PAIR = "deliver + confirm (requests)"


def queries_per_request(fx: Fixture) -> dict[str, dict[str, int]]:
    """Each scenario's request once, in this process, with its queries counted: with the test
    clock off (as production and the HTTP runs) and, apart, the test-clock reads it adds when on."""
    client = Client(HTTP_HOST="127.0.0.1")
    cast = make_cast("queries", buyers=1, sellers=1)
    buyer, seller = cast.buyers[0], cast.sellers[0]
    buyer_token, seller_token = issue_token(user=buyer, label="q"), issue_token(user=seller, label="q")
    listing = cast.listings[0].public_id

    def call(method: str, path: str, body: object | None, token: str) -> tuple[Any, list[str]]:
        headers = {"Authorization": f"Bearer {token}"}
        if method == "POST":
            headers["Idempotency-Key"] = str(uuid.uuid4())
        with CaptureQueriesContext(connection) as captured:
            response = client.generic(
                method, path, _json(body) if body is not None else b"", content_type="application/json", headers=headers
            )
        if response.status_code >= 300:
            raise AssertionError(f"{method} {path}: {response.status_code} {response.content[:300]!r}")
        return response, [q["sql"] for q in captured.captured_queries]

    def one_round() -> dict[str, list[str]]:
        placed, q_place = call("POST", f"{API}/orders", {"listing_id": listing}, buyer_token)
        order_id = placed.json()["id"]
        _, q_get = call("GET", f"{API}/orders/{order_id}", None, buyer_token)
        dispute_id, dispute_token = fx.disputes[0]
        _, q_dispute = call("GET", f"{API}/disputes/{dispute_id}", None, dispute_token)
        _, q_deliver = call("POST", f"{API}/orders/{order_id}/deliver", {"note": "KEY-1234"}, seller_token)
        _, q_get_delivered = call("GET", f"{API}/orders/{order_id}", None, buyer_token)
        _, q_confirm = call("POST", f"{API}/orders/{order_id}/confirm", {}, buyer_token)
        return {
            "POST /orders": q_place,
            "GET /orders/{id}": q_get,
            "GET /orders/{id} (delivered)": q_get_delivered,
            "GET /disputes/{id}": q_dispute,
            "POST /orders/{id}/deliver": q_deliver,
            "POST /orders/{id}/confirm": q_confirm,
        }

    one_round()  # warm: first-use rows (policy version, accounts) are made once, not per request
    with override_settings(TEST_CLOCK_ENABLED=False):
        off = one_round()
    on = one_round()
    return {
        name: {"queries": len(sqls), "test_clock_reads": sum("core_testclock" in s for s in on[name])}
        for name, sqls in off.items()
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn with `parley serve`'s command line; its log goes to a temporary file."""

    def __init__(self, log: IO[bytes]) -> None:
        # PARLEY_BENCH_PORT: a fixed port on a machine where ports are shared out; else any free one.
        self.port = int(os.environ.get("PARLEY_BENCH_PORT") or 0) or _free_port()
        self.log = log
        # The test clock off, as in production: with it on every clock reading is a query.
        env = os.environ | {"PARLEY_TEST_CLOCK": "0", "PARLEY_SANDBOX_PAYMENTS": "1"}
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            gunicorn_command(port=self.port), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log, env=env
        )

    def wait_ready(self, *, timeout: float = 180.0) -> None:  # a saturated machine boots slowly
        give_up = time.monotonic() + timeout
        while time.monotonic() < give_up:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited {self.process.returncode}: {self.tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
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

    def locked_errors(self) -> int:
        """How many requests so far failed on SQLite's write lock (each logs the error it raised)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace").count(LOCKED)

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
        made = make(t, i)
        if made is None:
            break
        method, path, body, headers = made
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
    locked_before = server.locked_errors() if connection.vendor == "sqlite" else 0
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
        # SQLite only: requests that failed because another writer held the database too long.
        "database_locked": server.locked_errors() - locked_before if connection.vendor == "sqlite" else None,
    }


def rss(server: Server) -> dict[str, float | None]:
    return {str(pid): proc.rss_mib(pid) for pid in server.workers()}


def run(
    fx: Fixture,
    *,
    concurrencies: list[int],
    seconds: float,
    warmup: float = 2.0,
    extra: Sequence[tuple[str, int]] = (),
) -> dict[str, Any]:
    """Every scenario at every concurrency, then the `extra` (scenario, concurrency) rows."""
    with serving() as server:
        rss_start = rss(server)
        warm = scenarios(fx, concurrency=max(concurrencies))
        for name in (BARE, "GET /orders/{id}", "GET /orders"):  # every worker thread imports and connects
            closed_loop(server, warm[name], concurrency=max(concurrencies), seconds=warmup / 2)
        rows = []
        for name in scenarios(fx):
            if name == PAIR:
                rows.append({"scenario": "(paid orders queued for the pairs)", "queued": collect_paid_orders(fx)})
            for concurrency in concurrencies:
                make = scenarios(fx, concurrency=concurrency)[name]
                row = {"scenario": name} | closed_loop(server, make, concurrency=concurrency, seconds=seconds)
                if name == PAIR:
                    row["pairs_per_s"] = row["rps"] / 2
                rows.append(row)
        for name, concurrency in extra:
            make = scenarios(fx, concurrency=concurrency)[name]
            rows.append({"scenario": name} | closed_loop(server, make, concurrency=concurrency, seconds=seconds))
        return {
            "server": " ".join(gunicorn_command(port=server.port)[2:]) + " (PARLEY_TEST_CLOCK=0)",
            "rows": [r for r in rows if "concurrency" in r],
            "pair_orders_queued": next((r["queued"] for r in rows if "queued" in r), 0),
            "rss_mib_start": rss_start,
            "rss_mib_end": rss(server),
        }
