"""Finding: `PARLEY_TEST_CLOCK=0 make run` crashed half-way through seeding and left a
half-seeded demo later starts never repaired; `parley ledger-check` failed without
`PARLEY_SECRET_KEY`; `check --deploy` failed in the documented production setup (e-mail
printed by the worker). These run the real `parley` command in fresh processes on a fresh
SQLite database."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.models import User
from ops import demo
from payments.providers import PaymentsUnavailable

PARLEY = [sys.executable, "-m", "parley.cli"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_", "DATABASE_URL"))}
    env.update(
        PARLEY_DATA_DIR=str(tmp_path),
        PARLEY_PLAIN_STATIC="1",
        DJANGO_SETTINGS_MODULE="parley.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'parley.sqlite3'}",
    )
    env.update(extra)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*PARLEY, *args], env=env, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.slow
def test_the_demo_seeds_without_the_test_clock_and_ledger_check_runs_without_a_key(tmp_path):
    key = secrets.token_urlsafe(64)
    env = _env(tmp_path, PARLEY_SECRET_KEY=key, PARLEY_TEST_CLOCK="0", PARLEY_DEMO="1")
    assert _run(["migrate", "--verbosity", "0"], env).returncode == 0
    assert _run(["createcachetable"], env).returncode == 0
    seeded = _run(["seed-demo"], env)
    assert seeded.returncode == 0, seeded.stderr
    assert "Traceback" not in seeded.stderr
    assert "Demo data seeded" in seeded.stdout

    keyless = _env(tmp_path)
    checked = _run(["ledger-check"], keyless)
    assert checked.returncode == 0, checked.stderr
    assert "Traceback" not in checked.stderr


@pytest.mark.slow
def test_check_deploy_is_clean_in_the_documented_production_setup(tmp_path):
    env = _env(
        tmp_path,
        PARLEY_SECRET_KEY=secrets.token_urlsafe(64),
        PARLEY_ALLOWED_HOSTS="parley.example.org",
        PARLEY_PUBLIC_URL="https://parley.example.org",
    )
    checked = _run(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_a_demo_that_cannot_finish_seeding_leaves_nothing_behind_and_seeds_later(db, settings):
    settings.SANDBOX_PAYMENTS = False
    with pytest.raises(PaymentsUnavailable):
        demo.seed()
    assert not User.objects.exists()
    settings.SANDBOX_PAYMENTS = True
    assert demo.seed() is True
    assert set(User.objects.values_list("username", flat=True)) >= {"alice", "bob", "carol"}
