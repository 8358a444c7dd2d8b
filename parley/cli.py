"""`parley <command>`: Django's management commands, with Parley's own names
(`parley worker`, `parley ledger-check`, `parley run`) and a clear message instead of a
traceback when the configuration is wrong."""

from __future__ import annotations

import os
import secrets
import sys

ALIASES = {
    "ledger-check": "ledger_check",
    "seed-demo": "seed_demo",
    "settings-doc": "settings_doc",
    "files-check": "files_check",
    "api-key": "api_key",
    "compile-translations": "compile_translations",
    "demo-code": "demo_code",
}
KEYLESS = frozenset({"ledger_check", "compile_translations", "makemessages", "demo_code"})


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    if len(argv) > 1:
        argv[1] = ALIASES.get(argv[1], argv[1])
    if len(argv) > 1 and argv[1] in KEYLESS:
        # These commands read the database and sign nothing: a throwaway key will do, so they
        # run with only DATABASE_URL set, as the README says.
        os.environ.setdefault("PARLEY_SECRET_KEY", "keyless-" + secrets.token_urlsafe(48))
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"Parley cannot start: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
