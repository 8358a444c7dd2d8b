import json
import os
import subprocess
import sys

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ops.tests.test_worker_processes import PROJECT_ROOT


def test_healthz_answers_ok_without_touching_the_database(client, db):
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert captured.captured_queries == []


def test_healthz_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


READYZ_IN_A_PROCESS = (
    "import json, django; django.setup(); "
    "from django.test.utils import setup_test_environment; setup_test_environment(); "
    "from django.test import Client; answer = Client().get('/readyz'); "
    "print(json.dumps({'status': answer.status_code, 'body': answer.json()}))"
)


def test_readyz_fails_when_the_database_does_not_answer() -> None:
    """A real process whose database refuses connections (nothing listens on port 1): /readyz
    says 503 and names the database, and does not try the checks that need it."""
    done = subprocess.run(
        [sys.executable, "-c", READYZ_IN_A_PROCESS],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "parley.test_settings",
            "DATABASE_URL": "postgres://parley@127.0.0.1:1/parley?connect_timeout=2",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answer = json.loads(done.stdout.splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["failing"] == ["database", "migrations", "worker"]
    assert answer["body"]["checks"]["database"].startswith("the database does not answer: OperationalError")
    assert answer["body"]["checks"]["migrations"] == "not checked: no database"
