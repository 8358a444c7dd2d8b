"""The way a deployment really starts: a fresh database, gunicorn with Parley's configuration,
and `parley deploy`. Real processes, a real (throwaway) data folder."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ops.tests.test_worker_processes import PROJECT_ROOT

PORT = int(os.environ.get("PARLEY_TEST_GUNICORN_PORT", "8151"))
pytestmark = pytest.mark.slow


def _env(data: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PARLEY_", "DJANGO_", "PROMETHEUS_"))}
    env.pop("DATABASE_URL", None)  # SQLite in the data folder: nothing shared with the suite
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "parley.settings",
        "PARLEY_DATA_DIR": str(data),
        "PARLEY_SECRET_KEY": secrets.token_urlsafe(64),
        "PARLEY_ALLOWED_HOSTS": "127.0.0.1",
        "PARLEY_HTTPS": "0",
        **extra,
    }


def _parley(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley.cli", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _request(method: str, path: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{PORT}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def _start_gunicorn(env: dict[str, str]) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:parley.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited: {process.communicate()[0][-3000:]}")
        try:
            if _request("GET", "/healthz")[0] == 200:
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("gunicorn did not answer /healthz within 60s")


def _stop(process: subprocess.Popen[str]) -> str:
    process.terminate()
    try:
        return process.communicate(timeout=30)[0]
    except subprocess.TimeoutExpired:
        process.kill()
        return process.communicate()[0]


def test_a_plain_migrate_and_gunicorn_deployment_answers_writes(tmp_path):
    """The deployment the README used to suggest: migrate, collectstatic, gunicorn. Writes went
    through the rate limiter's database cache, whose table only `createcachetable` made: 500."""
    env = _env(tmp_path, PARLEY_METRICS_TOKEN="scrape-me")
    for step in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
        done = _parley(env, *step)
        assert done.returncode == 0, done.stderr[-3000:]

    server = _start_gunicorn(env)
    try:
        status, _, body = _request("POST", "/api/v1/auth/token", {"username": "nobody", "password": "wrong-password"})
        assert status in (400, 401), body[:500]
        for i in range(10):
            status, headers, _ = _request("GET", "/healthz", headers={"X-Request-Id": f"probe-{i}"})
            assert status == 200 and headers["X-Request-Id"] == f"probe-{i}"
        # The control socket is the deployment's own, not the shared default under $HOME.
        assert (tmp_path / "gunicorn.ctl").is_socket()
        # Two gunicorn workers answered; the scrape adds both up (multiprocess mode).
        status, _, metrics = _request("GET", "/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert status == 200
        lines = metrics.decode().splitlines()
        healthz = 'parley_http_requests_total{method="GET",route="/healthz",status="200"} '
        counted = [float(line.removeprefix(healthz)) for line in lines if line.startswith(healthz)]
        assert counted and counted[0] >= 10, lines
        assert any(line.startswith("parley_deadlines_due ") for line in lines)
    finally:
        output = _stop(server)
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert {"probe-3"} <= {r.get("request_id") for r in records if r.get("event") == "request"}, output[-2000:]
    assert any(r.get("logger") == "gunicorn.error" for r in records), output[-2000:]  # gunicorn's lines too
    assert "Traceback" not in output, output[-3000:]
    cache = sqlite3.connect(tmp_path / "parley.sqlite3")
    assert cache.execute("SELECT count(*) FROM sqlite_master WHERE name = 'parley_cache'").fetchone() == (1,)


def test_parley_deploy_prepares_a_release_and_passes_the_deployment_checks(tmp_path):
    env = _env(
        tmp_path,
        PARLEY_HTTPS="1",
        PARLEY_ALLOWED_HOSTS="parley.example.org",
        PARLEY_PUBLIC_URL="https://parley.example.org",
        PARLEY_SMTP_HOST="smtp.example.org",
    )
    done = _parley(env, "deploy")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "Ready" in done.stdout
    assert (tmp_path / "static" / "staticfiles.json").exists()
    database = sqlite3.connect(tmp_path / "parley.sqlite3")
    assert database.execute("SELECT count(*) FROM sqlite_master WHERE name = 'parley_cache'").fetchone() == (1,)
    # Again, as every release does: nothing to do, still fine.
    again = _parley(env, "deploy")
    assert again.returncode == 0, again.stderr[-3000:]


def test_parley_deploy_fails_on_an_unsafe_configuration(tmp_path):
    done = _parley(_env(tmp_path, PARLEY_HTTPS="0"), "deploy")
    assert done.returncode != 0
    assert "security" in (done.stdout + done.stderr).lower()


def test_the_systemd_units_start_what_exists(tmp_path):
    """Each unit's command, run from this checkout instead of /opt/parley: the gunicorn
    configuration loads and the worker and deploy commands exist."""
    import configparser

    deploy = PROJECT_ROOT / "deploy"
    commands = {}
    for name in ("parley-web", "parley-worker", "parley-deploy"):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(deploy / f"{name}.service")
        assert unit["Service"]["EnvironmentFile"] == "/etc/parley/parley.env"
        commands[name] = unit["Service"]["ExecStart"].split()
    assert commands["parley-web"][1:] == ["-m", "gunicorn", "--config", "python:parley.gunicorn_conf"]
    assert commands["parley-worker"][1:] == ["worker"]
    assert commands["parley-deploy"][1:] == ["deploy"]
    checked = subprocess.run(
        [sys.executable, *commands["parley-web"][1:], "--check-config"],
        cwd=PROJECT_ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    for command in ("worker", "deploy"):
        helped = _parley(_env(tmp_path), command, "--help")
        assert helped.returncode == 0, helped.stderr[-2000:]
    example = (deploy / "parley.env.example").read_text()
    assert "PARLEY_SECRET_KEY=" in example and "DATABASE_URL=" in example
