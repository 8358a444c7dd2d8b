"""Reads policy files: a preset name (`standard`, `igitems`, `difmark`) or a path to a TOML
file that may `extends` another and override any value."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from policy.schema import Policy

PRESETS_DIR = Path(__file__).parent / "presets"
PRESET_NAMES = ("standard", "igitems", "difmark")


class PolicyError(Exception):
    """A policy that cannot be used. The message names the file, the field and the problem."""


def _path_for(spec: str, *, relative_to: Path | None = None) -> Path:
    """A preset's file, or a path; a relative `extends` path is read from the extending file's
    folder, so a policy means the same whatever directory the process starts in."""
    if spec in PRESET_NAMES:
        return PRESETS_DIR / f"{spec}.toml"
    path = Path(spec)
    return relative_to / path if relative_to is not None and not path.is_absolute() else path


def _read(spec: str, seen: tuple[Path, ...] = (), *, relative_to: Path | None = None) -> tuple[dict[str, Any], Path]:
    path = _path_for(spec, relative_to=relative_to).resolve()
    if path in seen:
        raise PolicyError(f"policy file {path}: 'extends' loops back to itself")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(PRESET_NAMES)
        raise PolicyError(f"policy {spec!r}: no such preset ({known}) or file {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"policy file {path}: not valid TOML: {exc}") from None
    parent = raw.pop("extends", None)
    if parent is None:
        return raw, path
    if not isinstance(parent, str):
        raise PolicyError(f"policy file {path}: field 'extends': must be a preset name or a path")
    base, _ = _read(parent, (*seen, path), relative_to=path.parent)
    return {**base, **raw}, path


def load_policy(spec: str) -> Policy:
    """Loads and validates the policy `spec`, raising `PolicyError` with a precise message."""
    values, path = _read(spec)
    values.setdefault("name", spec if spec in PRESET_NAMES else path.stem)
    try:
        return Policy.model_validate(values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            field = ".".join(str(p) for p in error["loc"]) or "(whole policy)"
            message = error["msg"].removeprefix("Value error, ")
            problems.append(f"field '{field}': {message}")
        raise PolicyError(f"policy file {path}: " + "; ".join(problems)) from None
