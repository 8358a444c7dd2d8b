"""No module imports a layer above its own (docs/decisions/0011-layers.md).

    core  <  policy  <  domain apps  <  ops  <  api, web  <  parley, bench

A module may import its own layer and any below it. Domain apps are one layer and may import
each other; `api` and `web` are siblings and may not import each other. Every import counts,
those inside functions and `TYPE_CHECKING` blocks too: a lazy import is still a dependency.
One exception: a `TYPE_CHECKING` import of the user model (`USER_MODEL`), which is
`settings.AUTH_USER_MODEL` and which core's own models already point at by foreign key.
Tests (and `testsupport`) may import anything, but no other module may import them.
Run it alone with `.venv/bin/pytest core/tests/test_layers.py` (the pre-commit hook does)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DOMAINS = (
    "accounts",
    "catalog",
    "chat",
    "desk",
    "disputes",
    "integrations",
    "ledger",
    "notifications",
    "orders",
    "payments",
    "tickets",
    "webhooks",
)
RANKS: dict[str, int] = {
    "core": 0,
    "policy": 1,
    **dict.fromkeys(DOMAINS, 2),
    "ops": 3,
    "api": 4,
    "web": 4,
    "parley": 5,
    "bench": 5,
}
USER_MODEL = "accounts.models"
TEST_ONLY = frozenset({"testsupport"})
SIBLINGS_APART = frozenset({"api", "web"})  # same rank, yet neither imports the other


def _packages() -> set[str]:
    return {p.name for p in ROOT.iterdir() if (p / "__init__.py").is_file()}


def _is_test(path: Path) -> bool:
    rel = path.relative_to(ROOT)
    return rel.parts[0] in TEST_ONLY or "tests" in rel.parts or rel.name in ("conftest.py", "test_settings.py")


def _modules() -> Iterator[Path]:
    for package in sorted(_packages()):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _type_only(tree: ast.Module) -> set[int]:
    """Ids of the import nodes under `if TYPE_CHECKING:`."""
    return {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
        for child in node.body
        for inner in ast.walk(child)
    }


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    type_only = _type_only(tree)
    for node in ast.walk(tree):
        if id(node) in type_only and isinstance(node, ast.ImportFrom) and node.module == USER_MODEL:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module


def offending_imports() -> list[str]:
    """`path:line imports module (layer a -> layer b)` for every import that runs upward."""
    packages = _packages()
    found = []
    for path in _modules():
        rel = path.relative_to(ROOT)
        own = rel.parts[0]
        if _is_test(path):
            continue  # tests may import anything
        for line, module in _imports(path):
            target = module.split(".")[0]
            if target not in packages or target == own:
                continue
            upward = target in TEST_ONLY or ".tests" in module or RANKS[target] > RANKS[own]
            apart = RANKS[target] == RANKS[own] and {own, target} <= SIBLINGS_APART
            if not (upward or apart):
                continue
            found.append(f"{rel}:{line} imports {module} ({own} -> {target})")
    return found


def test_every_package_has_a_layer() -> None:
    assert sorted(_packages() - RANKS.keys() - TEST_ONLY) == []


def test_no_module_imports_a_layer_above_its_own() -> None:
    offending = offending_imports()
    assert offending == [], "imports running up the layers:\n" + "\n".join(offending)


def test_the_rule_sees_an_upward_import(tmp_path: Path) -> None:
    """The parser finds imports inside functions and `TYPE_CHECKING` blocks."""
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    import api.auth\n    from accounts.models import User\n"
        "def f():\n    from ops import x\n"
    )
    assert [name for _, name in _imports(module)] == ["typing", "api.auth", "ops"]
