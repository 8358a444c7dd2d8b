"""Fixtures shared by the whole suite.

Every test that uses the database starts with the test clock frozen at a fixed instant, so
deadlines and boundaries are exact, and ends with the ledger's invariants checked: a test that
leaves money unbalanced fails even if its own assertions pass."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from hypothesis import HealthCheck, settings

from accounts.models import User
from core import clock
from ops import deadlines

START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
PASSWORD = "correct-horse-battery"

# Hypothesis: HYPOTHESIS_PROFILE=ci (set by .ci/run) is derandomized: the same examples on every
# run, so a CI verdict is reproducible and a change cannot land or fail on a lucky draw. "dev"
# (the default elsewhere) explores new examples on every run, remembers failing ones under
# .hypothesis/ and replays them first; that is where new bugs are found, and a bug found there
# gets its own explicit test. Tests that touch the database set their own small max_examples
# so the suite stays fast.
_hypothesis_common: dict[str, Any] = {
    "deadline": None,  # database round trips make timing meaningless
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "print_blob": True,
}
settings.register_profile("dev", **_hypothesis_common)
settings.register_profile("ci", **_hypothesis_common, database=None, derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` need row locks, SKIP LOCKED or triggers: skipped on SQLite."""
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _forget_stored_policy_versions() -> Iterator[None]:
    """A test's rows are rolled back or flushed: so is the process's memory of policy versions."""
    yield
    from policy.active import forget_stored_versions

    forget_stored_versions()


@pytest.fixture(autouse=True)
def _default_language_and_zone() -> Iterator[None]:
    """A request in Russian leaves its language active in the thread (Django's way): each test
    starts in the default language and in UTC."""
    from django.utils import timezone, translation

    translation.deactivate()
    timezone.deactivate()
    yield
    translation.deactivate()
    timezone.deactivate()


@pytest.fixture(autouse=True)
def _frozen_clock_and_ledger_check(request: pytest.FixtureRequest) -> Iterator[None]:
    names = request.fixturenames
    if not ({"db", "transactional_db", "live_server"} & set(names)):
        yield
        return
    request.getfixturevalue("transactional_db" if "live_server" in names else "db")
    clock.freeze_test_clock(START)
    yield
    from ops.ledger_check import run_checks

    problems = run_checks().problems
    assert not problems, f"ledger invariants broken after the test: {problems}"


class Clock:
    """Moves the test clock the way the API does: forward, running what fell due."""

    def now(self) -> datetime:
        return clock.now()

    def advance(self, **delta: float) -> datetime:
        return deadlines.advance(seconds=int(timedelta(**delta).total_seconds())).now


@pytest.fixture
def tclock(db: None) -> Clock:
    return Clock()


@pytest.fixture
def preset(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    """Switches the configured policy preset for one test (default "standard"); orders placed
    afterwards pin it. Parametrize it with `indirect=True`."""
    from policy import active

    name = getattr(request, "param", "standard")
    active.configured_policy.cache_clear()
    settings.POLICY = name
    yield name
    active.configured_policy.cache_clear()


@pytest.fixture
def policy_file(tmp_path: Any, settings: Any) -> Iterator[Any]:
    """`policy_file('extends = "standard"\\n…')`: the deployment runs under this policy file
    for the rest of the test (orders placed afterwards pin it)."""
    from policy import active

    def use(text: str, name: str = "marketplace") -> None:
        path = tmp_path / f"{name}.toml"
        path.write_text(text)
        settings.POLICY = str(path)
        active.configured_policy.cache_clear()

    yield use
    active.configured_policy.cache_clear()


_plain_force_login = Client.force_login
_plain_login = Client.login


def password_only_login(client: Client, user: User) -> None:
    """Logs `client` in as `user` without the second factor (a staff session that has not
    passed it: the web refuses it every staff page)."""
    _plain_force_login(client, user)


@pytest.fixture(autouse=True)
def _staff_sessions_have_their_second_factor(monkeypatch: pytest.MonkeyPatch) -> None:
    """`client.force_login(staff)` and `client.login(...)` stand for a complete log-in,
    second factor included."""

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        _plain_force_login(self, user, backend)
        if getattr(user, "is_staff", False):
            from web.secondfactor import SESSION_KEY

            session = self.session
            session[SESSION_KEY] = True
            session.save()

    def login(self: Client, **credentials: Any) -> bool:
        done = _plain_login(self, **credentials)
        if done and User.objects.filter(username=credentials.get("username"), is_staff=True).exists():
            from web.secondfactor import SESSION_KEY

            session = self.session
            session[SESSION_KEY] = True
            session.save()
        return done

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "login", login)


@pytest.fixture
def make_user(db: None) -> Any:
    counter = iter(range(1, 10_000))

    def make(username: str | None = None, *, staff: bool = False, email: str | None = None) -> User:
        name = username or f"user{next(counter)}"
        user = User.objects.create_user(username=name, email=email or f"{name}@example.org", password=PASSWORD)
        if staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        return user

    return make


class ApiClient:
    """A thin JSON client for /api/v1 that authenticates with a bearer token."""

    def __init__(self, user: User | None = None) -> None:
        self.client = Client()
        self.token: str | None = None
        if user is not None:
            from accounts.actions import issue_token

            # As `POST /auth/token` with a second factor: staff tokens carry staff rights.
            self.token = issue_token(user=user, second_factor=True)

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, headers=self._headers(None))

    def post(
        self, path: str, body: Any = None, *, headers: dict[str, str] | None = None, raw: str | None = None
    ) -> Any:
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.post(
            "/api/v1" + path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def put(self, path: str, body: Any) -> Any:
        return self.client.put(
            "/api/v1" + path,
            data=json.dumps(body),
            content_type="application/json",
            headers=self._headers(None),
        )


@pytest.fixture
def api(db: None) -> Any:
    """`api(user)` gives a client authenticated as that user; `api()` an anonymous one."""
    return ApiClient
