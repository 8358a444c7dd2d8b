"""`parley serve`: what `make run` starts. Prepares the database, seeds the demo on an empty
one, then runs the web server and the worker side by side until Ctrl-C stops both. Its banner
comes last, once the web server answers, and again on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from core import clock
from ops import demo
from policy.active import configured_policy

RULE = "=" * 72


@dataclass(frozen=True)
class Banner:
    """What someone who just typed `make run` needs to start: where, as whom, under which rules,
    with which API key, and where the clock stands. Printed last, once the server answers, and
    again on Ctrl-C, so the lines above it (logs, mail) never bury it."""

    url: str
    preset: str
    test_clock: bool
    clock_now: datetime | None = None
    demo: bool = False
    demo_key: str = ""
    log_file: str = ""
    mail_dir: str = ""

    def render(self, *, stopping: bool = False) -> str:
        lines = [RULE]
        if stopping:
            lines.append(f"  Parley is stopping (it ran at {self.url}/)")
        else:
            lines.append(f"  Parley is running at {self.url}/")
        lines.append(f"  API docs:        {self.url}/api/v1/docs")
        lines.append(f"  Rules (preset):  {self.preset}")
        if self.test_clock:
            at = f", now {self.clock_now:%d %b %Y %H:%M} UTC" if self.clock_now else ""
            lines.append(f"  Test clock:      on{at}; staff move it from the staff console or the API")
        else:
            lines.append("  Test clock:      off (real time)")
        if self.demo:
            lines.append(f"  Log in as:       alice (buyer), bob (seller), carol (staff); password {demo.PASSWORD}")
            if self.demo_key:
                lines.append(f"  Demo API key (examples/integrator.py): {self.demo_key}")
        if self.log_file or self.mail_dir:
            where = [
                f"logs in {self.log_file}" if self.log_file else "",
                f"e-mail in {self.mail_dir}/" if self.mail_dir else "",
            ]
            lines.append("  Output:          " + ", ".join(w for w in where if w))
        if not stopping:
            lines.append("  Press Ctrl-C to stop the web server and the worker.")
        lines.append(RULE)
        return "\n".join(lines) + "\n"


def _clock_now() -> datetime | None:
    try:
        return clock.now()
    except Exception:  # a database gone first must not stop the stopping
        return None


def wait_until_answering(port: int, *, children: tuple[subprocess.Popen[bytes], ...], timeout: float = 60.0) -> bool:
    """True once the web server answers its health check; False if a child died or time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(child.poll() is not None for child in children):
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except (OSError, ValueError):
            pass
        time.sleep(0.25)
    return False


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
        demo_key = ""
        if settings.DEMO_DATA:
            call_command("seed_demo")
            from integrations.demo import ensure_demo_key

            demo_key = ensure_demo_key()
        port = options["port"]
        # Own sessions: Ctrl-C reaches only this supervisor, which then stops each child in turn.
        web = subprocess.Popen(gunicorn_command(port=port, workers=options["web_workers"]), start_new_session=True)  # noqa: S603
        worker = subprocess.Popen([sys.executable, "-m", "parley.cli", "worker"], start_new_session=True)
        banner = self.banner(port=port, demo_key=demo_key)
        if wait_until_answering(port, children=(web, worker)):
            self.stdout.write(banner.render())
            self.stdout.flush()
        self._supervise(web, worker, banner=banner)

    def banner(self, *, port: int, demo_key: str = "") -> Banner:
        public = getattr(settings, "PUBLIC_URL", "") or f"http://127.0.0.1:{port}"
        return Banner(
            url=public.rstrip("/"),
            preset=configured_policy().name,
            test_clock=settings.TEST_CLOCK_ENABLED,
            clock_now=clock.now() if settings.TEST_CLOCK_ENABLED else None,
            demo=settings.DEMO_DATA,
            demo_key=demo_key,
            log_file=os.environ.get("PARLEY_LOG_FILE", ""),
            mail_dir=os.environ.get("PARLEY_MAIL_DIR", "").rstrip("/"),
        )

    def _supervise(self, *children: subprocess.Popen[bytes], banner: Banner | None = None) -> None:
        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
        if stopping and banner is not None:
            if banner.test_clock:  # where the clock stands now, not where it stood at the start
                banner = replace(banner, clock_now=_clock_now())
            self.stdout.write(banner.render(stopping=True))
            self.stdout.flush()
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
