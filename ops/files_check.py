"""Every stored file a record points to is there with the bytes it was recorded with.

`parley files-check` after a restore (docs/backup.md) or a move to another storage: a record
whose file is missing, or whose bytes hash differently from the SHA-256 recorded at upload, is a
problem; the report names each."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from django.core.files.storage import Storage, default_storage

from disputes.models import Evidence
from tickets.models import TicketAttachment

CHUNK = 1 << 20


@dataclass
class FilesReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)


def _digest(storage: Storage, name: str) -> str:
    sha = hashlib.sha256()
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def run(*, storage: Storage = default_storage, limit: int = 50) -> FilesReport:
    report = FilesReport()
    for model in (Evidence, TicketAttachment):
        for public_id, name, sha256 in model._default_manager.values_list("public_id", "file", "sha256").iterator():
            report.checked += 1
            if len(report.problems) >= limit:
                continue
            if not storage.exists(name):
                report.problems.append(f"{public_id}: {name} is missing")
            elif _digest(storage, name) != sha256:
                report.problems.append(f"{public_id}: {name} does not have the bytes recorded at upload")
    return report
