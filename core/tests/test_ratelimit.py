"""Rate limits hold under concurrency: the count and the verdict are one atomic statement, so
of many racing requests exactly the limit passes, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings

from core import ratelimit
from core.errors import RateLimited
from core.models import RateCounter

THREADS = 16


def race(work: Callable[[], Any], *, rounds: int) -> list[Any]:
    """Runs `work` `rounds` times in each of 16 threads started together; returns the results."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []
    crashed: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            for _ in range(rounds):
                outcome = work()
                with lock:
                    results.append(outcome)
        except BaseException as exc:
            crashed.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not crashed, crashed
    assert not any(t.is_alive() for t in threads)
    return results


def test_sixteen_threads_racing_pass_exactly_the_limit(transactional_db: None) -> None:
    def attempt() -> bool:
        try:
            ratelimit.hit("race", "one-caller", limit=25, window=3600)
        except RateLimited:
            return False
        return True

    outcomes = Counter(race(attempt, rounds=5))
    assert outcomes == {True: 25, False: THREADS * 5 - 25}
    assert ratelimit.current("race", "one-caller", window=3600) == THREADS * 5


@override_settings(WRITE_RATE_LIMIT=(20, 3600))
def test_sixteen_clients_racing_over_http_get_exactly_the_limit_of_writes(
    transactional_db: None, make_user: Any
) -> None:
    from accounts.actions import issue_token

    token = issue_token(user=make_user("racer"))
    body = json.dumps({"title": "x", "kind": "product", "price": {"amount": 100, "currency": "USD"}})

    def post() -> int:
        response = Client().post(
            "/api/v1/listings", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
        )
        return int(response.status_code)

    codes = Counter(race(post, rounds=3))
    assert codes == {201: 20, 429: THREADS * 3 - 20}
    from catalog.models import Listing

    assert Listing.objects.count() == 20


def test_hit_counts_and_tells_what_is_left(db: None) -> None:
    first = ratelimit.hit("s", "who", limit=2, window=60)
    assert (first.limit, first.remaining) == (2, 1) and 1 <= first.reset <= 60
    assert ratelimit.hit("s", "who", limit=2, window=60).remaining == 0
    with pytest.raises(RateLimited) as refused:
        ratelimit.hit("s", "who", limit=2, window=60)
    assert refused.value.retry_after >= 1
    assert ratelimit.peek("s", "who", limit=2, window=60).remaining == 0
    assert ratelimit.peek("s", "someone else", limit=2, window=60).remaining == 2


def test_guard_and_count_keep_working(db: None) -> None:
    for _ in range(3):
        ratelimit.count("login-user", "alice", window=300)
    ratelimit.guard("login-user", "alice", limit=4, window=300)
    ratelimit.count("login-user", "alice", window=300)
    with pytest.raises(RateLimited):
        ratelimit.guard("login-user", "alice", limit=4, window=300)


def test_a_window_ends_and_the_worker_prunes_it(tclock: Any) -> None:
    for _ in range(3):
        ratelimit.count("s", "who", window=60)
    tclock.advance(seconds=61)
    assert ratelimit.current("s", "who", window=60) == 0
    assert ratelimit.prune() == 1 and not RateCounter.objects.exists()


@override_settings(WRITE_RATE_LIMIT=(3, 60))
def test_every_api_answer_carries_the_budget_and_a_429_says_when_to_retry(api: Any, make_user: Any) -> None:
    client = api(make_user())
    body = {"title": "x", "kind": "product", "price": {"amount": 100, "currency": "USD"}}
    read = client.get("/me")
    assert (read["RateLimit-Limit"], read["RateLimit-Remaining"]) == ("3", "3")
    answers = [client.post("/listings", body) for _ in range(4)]
    assert [a["RateLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    refused = answers[-1]
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) == int(refused["RateLimit-Reset"]) > 0
    assert api().get("/listings")["RateLimit-Limit"]  # anonymous answers carry one too


@override_settings(SIGNUP_RATE_LIMIT=(2, 3600), KEY_RATE_LIMIT=(50, 60))
def test_a_key_has_its_own_budget_and_is_not_held_to_the_sign_up_limit(db: None, api: Any) -> None:
    from core.actors import SystemActor
    from integrations.actions import create_key

    _, secret = create_key(name="Shop backend", scopes=None, by=SystemActor(rule="test"))
    client = Client()
    codes = [
        client.post(
            "/api/v1/users",
            json.dumps({"external_id": f"m-{i}", "email": f"m{i}@shop.example"}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {secret}"},
        )
        for i in range(21)
    ]
    assert [c.status_code for c in codes] == [201] * 21
    assert codes[-1]["RateLimit-Limit"] == "50" and codes[-1]["RateLimit-Remaining"] == "29"
    anonymous = [
        api().post("/users", {"username": f"n{i}", "password": "a-long-passphrase", "email": f"n{i}@x.org"})
        for i in range(3)
    ]
    assert [a.status_code for a in anonymous] == [201, 201, 429]


REDIS_URL = "redis://127.0.0.1:6379/3"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_on_redis_sixteen_threads_racing_pass_exactly_the_limit(transactional_db: None, settings: Any) -> None:
    import redis

    settings.REDIS_URL = REDIS_URL
    ident = f"redis-caller-{threading.get_ident()}-{id(settings)}"

    def attempt() -> bool:
        try:
            ratelimit.hit("race", ident, limit=25, window=3600)
        except RateLimited:
            return False
        return True

    try:
        outcomes = Counter(race(attempt, rounds=5))
        assert outcomes == {True: 25, False: THREADS * 5 - 25}
        assert ratelimit.current("race", ident, window=3600) == THREADS * 5
        assert not RateCounter.objects.exists()  # nothing was counted in the database
    finally:
        redis.Redis.from_url(REDIS_URL).flushdb()
