"""CPU time and memory of processes, read from /proc (Linux). Elsewhere every reading is None
and the report says "n/a" instead of a number."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def available() -> bool:
    return (PROC / "self" / "stat").exists()


def _stat_fields(pid: int) -> list[str] | None:
    try:
        raw = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU the process has used so far."""
    fields = _stat_fields(pid)
    if fields is None:
        return None
    # After the name: state is fields[0]; utime and stime are stat fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_of(pids: Iterable[int]) -> dict[int, float]:
    found = {}
    for pid in pids:
        seconds = cpu_seconds(pid)
        if seconds is not None:
            found[pid] = seconds
    return found


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings; a process that appeared in between counts from zero."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


def children_of(parent: int) -> list[int]:
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            fields = _stat_fields(int(entry.name))
            if fields is not None and int(fields[1]) == parent:
                pids.append(int(entry.name))
    return sorted(pids)


def rss_mib(pid: int) -> float | None:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
