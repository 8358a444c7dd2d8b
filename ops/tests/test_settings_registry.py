"""Every environment variable the code reads has a line in docs/settings.md."""

from __future__ import annotations

import re
from pathlib import Path

from ops import settings_registry as registry

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"\bPARLEY_[A-Z0-9_]*[A-Z0-9]\b")
SKIP = {".venv", "node_modules", ".git", "var", ".mypy_cache", ".ruff_cache"}


def _sources() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        if any(part in SKIP for part in path.relative_to(ROOT).parts):
            continue
        if path.is_file() and (
            path.suffix in {".py", ".toml", ".service", ".ini", ".cfg", ".example"}
            or path.name in {"Makefile", "run"}
            or path.parent.name == "scripts"
        ):
            found.append(path)
    return found


def test_every_parley_variable_in_the_code_is_documented():
    used: dict[str, str] = {}
    for path in _sources():
        for name in NAME.findall(path.read_text(errors="replace")):
            used.setdefault(name, str(path.relative_to(ROOT)))
    assert len(used) > 40  # the scan found the code
    missing = {name: where for name, where in used.items() if name not in registry.names()}
    assert not missing, f"add these to ops/settings_registry.py, then run `parley settings-doc`: {missing}"


def test_docs_settings_md_is_generated_from_the_registry():
    assert (ROOT / "docs" / "settings.md").read_text() == registry.render(), "run `parley settings-doc`"


def test_the_registry_names_nothing_twice():
    every = [var.name for group in registry.GROUPS.values() for var in group]
    assert len(every) == len(set(every))
