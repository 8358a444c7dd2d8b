"""`python -m bench.drain_deadlines`: applies due deadlines (`ops.deadlines.run_due`) until none
is left, and nothing else: no e-mail or webhook outbox. The storm's deadlines-only drain, so the
claim's own rate shows apart from the worker's other loops."""

from __future__ import annotations

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parley.settings")
    import django

    django.setup()
    from ops import deadlines

    while deadlines.run_due(limit=1000):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
