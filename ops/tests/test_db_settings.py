"""Connection settings for PostgreSQL: the psycopg pool and PgBouncer's transaction mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from ops.tests.test_worker_processes import PROJECT_ROOT, _database_url

PRINT_DB = (
    "from django.conf import settings; import json; print(json.dumps(settings.DATABASES['default'], default=str))"
)


def _settings_with(**env: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + PRINT_DB],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "parley.test_settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_pool_and_pgbouncer_switches_reach_the_database_settings():
    url = "postgres://parley@db.internal:6432/parley"
    plain = _settings_with(DATABASE_URL=url)
    assert plain["CONN_MAX_AGE"] == 60 and "pool" not in plain.get("OPTIONS", {})
    assert plain["DISABLE_SERVER_SIDE_CURSORS"] is False

    pooled = _settings_with(
        DATABASE_URL=url,
        PARLEY_DB_POOL="1",
        PARLEY_DB_POOL_MIN="1",
        PARLEY_DB_POOL_MAX="7",
        PARLEY_DB_DISABLE_SERVER_SIDE_CURSORS="1",
    )
    assert pooled["CONN_MAX_AGE"] == 0  # Django refuses persistent connections beside a pool
    assert pooled["OPTIONS"]["pool"] == {"min_size": 1, "max_size": 7, "timeout": 10.0}
    assert pooled["DISABLE_SERVER_SIDE_CURSORS"] is True


@pytest.mark.slow
@pytest.mark.postgres
def test_a_pooled_process_talks_to_postgresql(transactional_db):
    done = subprocess.run(
        [sys.executable, "-m", "parley.cli", "ledger-check"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "parley.test_settings",
            "DATABASE_URL": _database_url(),
            "PARLEY_DB_POOL": "1",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "all invariants hold" in done.stdout
    assert connection.vendor == "postgresql"
