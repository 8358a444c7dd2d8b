"""`parley serve`: what `make run` starts. Prepares the database, seeds the demo on an empty
one, then runs the web server and the worker side by side until Ctrl-C stops both."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

BANNER = """
  Parley is running at http://127.0.0.1:{port}/
  API docs:            http://127.0.0.1:{port}/api/v1/docs
{demo}  Press Ctrl-C to stop the web server and the worker.
"""
DEMO_LINES = """  Log in as alice (buyer), bob (seller) or carol (staff); the password is parley-demo.
  carol's second factor: add the key PARLEYDEMOCAROLSTAFFKEY234567ABC to an authenticator app,
  or print the current code with: parley demo-code
  The test clock is on: staff can move time forward from the staff console or the API.
"""
DEMO_KEY_LINE = """  Demo API key (examples/integrator.py): {secret}
"""


def gunicorn_command(*, port: int, workers: int = 2, threads: int = 4) -> list[str]:
    """The web server's command line, on 127.0.0.1 (the benchmark starts the same one), with
    Parley's gunicorn configuration (`parley/gunicorn_conf.py`: control socket and metrics
    under the data folder, timeouts)."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--config",
        "python:parley.gunicorn_conf",
        "parley.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--graceful-timeout",
        "5",
    ]


class Command(BaseCommand):
    help = "Migrates, seeds demo data if asked, and runs the web server and the worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--web-workers", type=int, default=2)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("deploy", check=False, verbosity=0)
        demo = DEMO_LINES
        if settings.DEMO_DATA:
            call_command("seed_demo")
            from integrations.demo import ensure_demo_key

            demo += DEMO_KEY_LINE.format(secret=ensure_demo_key())
        port = options["port"]
        # Own sessions: Ctrl-C reaches only this supervisor, which then stops each child in turn.
        web = subprocess.Popen(gunicorn_command(port=port, workers=options["web_workers"]), start_new_session=True)  # noqa: S603
        worker = subprocess.Popen([sys.executable, "-m", "parley.cli", "worker"], start_new_session=True)
        self.stdout.write(BANNER.format(port=port, demo=demo if settings.DEMO_DATA else ""))
        self._supervise(web, worker)

    def _supervise(self, *children: subprocess.Popen[bytes]) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
        failed = [str(c.args) for c in children if c.returncode not in (0, -15, None)]
        if not stopping and failed:
            raise SystemExit(f"stopped because a process exited: {failed}")
        self.stdout.write("Parley stopped.")
