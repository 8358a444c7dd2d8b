"""django-anymail as an optional backend beside SMTP: PARLEY_EMAIL_PROVIDER picks a provider's
HTTP API; the worker's e-mails (text and HTML) go through it unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core import mail

from notifications import actions

ROOT = Path(__file__).resolve().parents[2]


def settings_with(**env: str) -> dict[str, Any]:
    code = (
        "import json, parley.settings as s;"
        "print(json.dumps({'mailers': s.MAILERS, 'anymail': getattr(s, 'ANYMAIL', None),"
        " 'silenced': s.SILENCED_SYSTEM_CHECKS}))"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}
    environment |= {"PARLEY_SECRET_KEY": "x" * 50, **env}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def test_a_provider_replaces_smtp() -> None:
    got = settings_with(
        PARLEY_EMAIL_PROVIDER="mailgun",
        PARLEY_ANYMAIL_API_KEY="key-123",
        PARLEY_ANYMAIL_OPTIONS='{"MAILGUN_SENDER_DOMAIN": "mg.example.org"}',
    )
    assert got["mailers"]["default"]["BACKEND"] == "anymail.backends.mailgun.EmailBackend"
    assert got["anymail"] == {"MAILGUN_SENDER_DOMAIN": "mg.example.org", "MAILGUN_API_KEY": "key-123"}
    assert "mail.E001" not in got["silenced"]
    postmark = settings_with(PARLEY_EMAIL_PROVIDER="postmark", PARLEY_ANYMAIL_API_KEY="tok")
    assert postmark["anymail"] == {"POSTMARK_SERVER_TOKEN": "tok"}


def test_without_a_provider_smtp_or_the_console_as_before() -> None:
    assert settings_with(PARLEY_SMTP_HOST="smtp.example.org")["mailers"]["default"]["BACKEND"].endswith(
        "smtp.EmailBackend"
    )
    assert settings_with()["mailers"]["default"]["BACKEND"].endswith("console.EmailBackend")


def test_the_worker_sends_through_anymail(make_user: Any, settings: Any) -> None:
    settings.MAILERS = {"default": {"BACKEND": "anymail.backends.test.EmailBackend"}}
    user = make_user()
    actions.notify(users=[user], code="account.reinstated", title="Welcome back", body="You can log in again.")
    assert actions.send_due_emails() == 1
    (message,) = mail.outbox
    assert message.anymail_test_params["to"][0].addr_spec == user.email  # type: ignore[attr-defined]
    assert message.alternatives and message.alternatives[0][1] == "text/html"
