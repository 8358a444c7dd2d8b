"""The walkthrough (`examples/integrator.py`) against a live server started as `make run`
starts it (`parley serve` with demo data and the test clock), on a database of its own."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("PARLEY_WALKTHROUGH_PORT", "8122"))


def _free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.skipif(not _free(PORT), reason=f"port {PORT} is taken")
def test_the_example_script_runs_against_make_run(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'walkthrough.sqlite3'}",
        "PARLEY_SECRET_KEY": "walkthrough-" + "x" * 40,
        "PARLEY_TEST_CLOCK": "1",
        "PARLEY_DEMO": "1",
        "PARLEY_HTTPS": "0",
        "PARLEY_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "parley.settings",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "parley.cli", "serve", "--port", str(PORT), "--web-workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(iter(server.stdout.readline, "")), daemon=True).start()  # type: ignore[union-attr]
    try:
        secret = _wait_for_key(lines, server)
        _wait_for_port(PORT)
        run = subprocess.run(
            [sys.executable, str(ROOT / "examples" / "integrator.py")],
            env={**env, "PARLEY_URL": f"http://127.0.0.1:{PORT}", "PARLEY_API_KEY": secret},
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        out = run.stdout
        assert "signature verified" in out and "(via key Demo marketplace)" in out
        assert re.search(r"GET /events lists (\d+) events .*; \1 equal the webhooks received", out), out
        assert re.search(rf"http://127\.0\.0\.1:{PORT}/login-links/\S+/", out)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for_key(lines: list[str], server: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        for line in list(lines):
            if found := re.search(r"Demo API key \S*: (psk_\S+)", line):
                return found.group(1)
        assert server.poll() is None, "".join(lines)
        time.sleep(0.2)
    raise AssertionError("make run printed no demo API key:\n" + "".join(lines))


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if not _free(port):
            return
        time.sleep(0.2)
    raise AssertionError(f"nothing listens on {port}")
