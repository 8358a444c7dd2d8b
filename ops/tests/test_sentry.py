"""The error-reporting hook: off without a DSN, on (and free of personal data) with one."""

from __future__ import annotations

import os
import subprocess
import sys

from ops.tests.test_worker_processes import PROJECT_ROOT

PROBE = (
    "import django; django.setup(); import sentry_sdk; from django.conf import settings; "
    "client = sentry_sdk.get_client(); "
    "print(settings.SENTRY_ENABLED, client.is_active(), client.options.get('send_default_pii'), "
    "client.options.get('environment'))"
)


def _probe(**env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=PROJECT_ROOT,
        env={**{k: v for k, v in os.environ.items() if not k.startswith("PARLEY_SENTRY_")}, **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_sentry_is_off_without_a_dsn_and_on_without_personal_data_with_one():
    assert _probe(DJANGO_SETTINGS_MODULE="parley.test_settings").startswith("False False")
    on = _probe(
        DJANGO_SETTINGS_MODULE="parley.test_settings",
        PARLEY_SENTRY_DSN="http://public@127.0.0.1:9/1",
        PARLEY_SENTRY_ENVIRONMENT="staging",
    )
    assert on == "True True False staging"
