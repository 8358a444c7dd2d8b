"""`make run`'s banner: URL, users, preset, API key and test clock, printed last once the server
answers and again on Ctrl-C; logs and demo e-mail go to files, not over it."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.management.base import OutputWrapper

from ops.management.commands.serve import Banner, Command
from parley.logconfig import logging_config

ROOT = Path(__file__).resolve().parents[2]


def _banner(**changes: object) -> Banner:
    fields: dict[str, object] = {
        "url": "http://127.0.0.1:8000",
        "preset": "standard",
        "test_clock": True,
        "clock_now": datetime(2026, 3, 4, 10, 32, tzinfo=UTC),
        "demo": True,
        "demo_key": "psk_demo_abc",
        "log_file": "var/log/parley.log",
        "mail_dir": "var/log/mail",
    }
    return Banner(**{**fields, **changes})  # type: ignore[arg-type]


def test_the_banner_says_where_as_whom_which_rules_which_key_and_what_time():
    text = _banner().render()
    assert "Parley is running at http://127.0.0.1:8000/" in text
    assert "alice (buyer), bob (seller), carol (staff); password parley-demo" in text
    assert "Rules (preset):  standard" in text
    assert "Demo API key (examples/integrator.py): psk_demo_abc" in text
    assert "Test clock:      on, now 04 Mar 2026 10:32 UTC" in text
    assert "logs in var/log/parley.log, e-mail in var/log/mail/" in text
    assert "Ctrl-C" in text


def test_without_demo_or_test_clock_the_banner_says_so():
    text = _banner(demo=False, demo_key="", test_clock=False, clock_now=None).render()
    assert "Test clock:      off" in text
    assert "alice" not in text and "API key" not in text


def test_ctrl_c_prints_the_banner_again_before_stopping():
    out = io.StringIO()
    command = Command(stdout=OutputWrapper(out))  # type: ignore[arg-type]
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"], start_new_session=True)
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    timer.start()
    try:
        command._supervise(child, banner=_banner())
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
        if child.poll() is None:
            child.kill()
    text = out.getvalue()
    assert "Parley is stopping (it ran at http://127.0.0.1:8000/)" in text
    assert "psk_demo_abc" in text and "Rules (preset):  standard" in text
    assert text.rstrip().endswith("Parley stopped.")


def test_with_a_log_file_every_line_goes_there_and_the_terminal_keeps_warnings(tmp_path):
    config = logging_config(fmt="plain", file=str(tmp_path / "log" / "parley.log"))
    assert config["handlers"]["file"]["filename"].endswith("parley.log")
    assert config["handlers"]["console"]["level"] == "WARNING"
    assert set(config["root"]["handlers"]) == {"console", "file"}
    assert (tmp_path / "log").is_dir()


def test_make_run_sends_logs_and_demo_mail_under_var_log():
    makefile = (ROOT / "Makefile").read_text()
    assert "PARLEY_LOG_FILE=$${PARLEY_LOG_FILE:-var/log/parley.log}" in makefile
    assert "PARLEY_MAIL_DIR=$${PARLEY_MAIL_DIR:-var/log/mail}" in makefile


@pytest.mark.parametrize("mail_dir", ["", "var/log/mail"])
def test_demo_mail_is_filed_when_a_mail_folder_is_set(mail_dir, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PARLEY_SMTP_HOST"}
    env.update(
        {
            "PARLEY_MAIL_DIR": str(tmp_path / mail_dir) if mail_dir else "",
            "DJANGO_SETTINGS_MODULE": "parley.test_settings",
        }
    )
    probe = "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])"
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + probe],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.strip().endswith("filebased.EmailBackend" if mail_dir else "console.EmailBackend")
