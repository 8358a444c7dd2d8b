"""Every audit event the code records reads as a sentence on a timeline, and so is listed in the
OpenAPI `webhooks` section an integrator generates from (configuration events excepted: they are
never delivered)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from core.timeline import _SENTENCES
from webhooks.fanout import NOT_DELIVERED

ROOT = Path(__file__).resolve().parents[2]
# `audit.record("code", …)` or `audit.record(\n    "code", …)`, and the f-string families.
RECORDED = re.compile(r'audit\.record\(\s*f?"([a-z_]+\.[a-z_{}]+)"')
# `audit.record(events.ORDER_PLACED, …)` or `audit.record(order_events.ORDER_PLACED, …)`: a code
# named in a domain's registry (`<app>/events.py`).
NAMED = re.compile(r"audit\.record\(\s*(?:([a-z]+)_events|events)\.([A-Z_]+)\b")
FAMILIES = {"wallet.withdrawal_{status}": ("wallet.withdrawal_paid", "wallet.withdrawal_failed")}


def _recorded_codes() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "var"} or "tests" in parts or "migrations" in parts:
            continue
        text = path.read_text()
        for code in RECORDED.findall(text):
            for one in FAMILIES.get(code, (code,)):
                found.setdefault(one, str(path.relative_to(ROOT)))
        for app, name in NAMED.findall(text):
            registry = importlib.import_module(f"{app or parts[0]}.events")
            found.setdefault(getattr(registry, name), str(path.relative_to(ROOT)))
    return found


def _literal_codes() -> dict[str, str]:
    found: dict[str, str] = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in {".venv", "var"} or "tests" in parts or "migrations" in parts:
            continue
        for code in RECORDED.findall(path.read_text()):
            found.setdefault(code, str(path.relative_to(ROOT)))
    return found


def test_every_recorded_event_has_its_timeline_sentence():
    recorded = _recorded_codes()
    assert len(recorded) > 60  # the scan found the code
    assert not any("{" in code for code in recorded), "an f-string family needs its line in FAMILIES"
    missing = {c: where for c, where in recorded.items() if c not in _SENTENCES and not c.startswith(NOT_DELIVERED)}
    assert not missing, f"name these with their sentence in <app>/events.py: {missing}"


def test_an_event_with_a_sentence_is_recorded_by_its_registered_name():
    """The code is spelled once, in its domain's `events.py`; actions use the name."""
    spelled_again = {c: where for c, where in _literal_codes().items() if c in _SENTENCES}
    assert not spelled_again, f"record these by their name in <app>/events.py: {spelled_again}"
