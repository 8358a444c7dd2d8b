"""docs/backup.md, done: back up the database and the files together, restore both somewhere
else, and the restored copy passes the ledger check and the files check."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.db import connection

from disputes import actions as disputes
from ops.ledger_check import run_checks
from ops.tests.test_worker_processes import PROJECT_ROOT, _database_url
from testsupport import factories
from tickets.tests.samples import pdf, png

pytestmark = pytest.mark.slow


def _run(*command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(command), cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def _backup_database(target: Path) -> None:
    if connection.vendor == "postgresql":
        done = _run("pg_dump", "--format=custom", f"--file={target}", _database_url())
        assert done.returncode == 0, done.stderr
    else:
        source = sqlite3.connect(connection.settings_dict["NAME"])
        with sqlite3.connect(target) as copy:
            source.backup(copy)  # SQLite's online backup: consistent while writers go on
        source.close()


def _restore_database(dump: Path, where: Path) -> tuple[str, str | None]:
    """Restores the dump; returns its DATABASE_URL and, on PostgreSQL, the database to drop."""
    if connection.vendor == "postgresql":
        name = f"{connection.settings_dict['NAME']}_restore"
        base = _database_url().rsplit("/", 1)[0]
        _run("dropdb", "--if-exists", f"--maintenance-db={base}/postgres", name)
        created = _run("createdb", f"--maintenance-db={base}/postgres", name)
        assert created.returncode == 0, created.stderr
        restored = _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={base}/{name}", str(dump))
        assert restored.returncode == 0, restored.stderr
        return f"{base}/{name}", name
    copy = where / "parley.sqlite3"
    copy.write_bytes(dump.read_bytes())
    return f"sqlite:///{copy}", None


def test_a_backup_of_database_and_files_restores_to_a_clean_ledger_and_intact_files(
    transactional_db, settings, tmp_path, make_user
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    buyer = make_user()
    dispute = factories.dispute_of(buyer)
    disputes.add_evidence(dispute_id=dispute.pk, by=buyer, upload=png())
    disputes.add_evidence(dispute_id=dispute.pk, by=buyer, upload=pdf())
    factories.delivered_order(make_user(), make_user(), price=12_34)
    summary = run_checks().summary

    # The backup: the database first, then the files (a file uploaded in between is an orphan
    # the worker sweeps, never a record without its file).
    backup = tmp_path / "backup"
    backup.mkdir()
    _backup_database(backup / "database.dump")
    with tarfile.open(backup / "files.tar.gz", "w:gz") as archive:
        archive.add(settings.MEDIA_ROOT, arcname=".")

    # The restore, on another "host": a new database and a new files folder.
    restored = tmp_path / "restored"
    (restored / "media").mkdir(parents=True)
    with tarfile.open(backup / "files.tar.gz") as archive:
        archive.extractall(restored / "media", filter="data")
    url, drop = _restore_database(backup / "database.dump", restored)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "parley.test_settings",
        "DATABASE_URL": url,
        "PARLEY_MEDIA_ROOT": str(restored / "media"),
    }
    try:
        ledger = _run(sys.executable, "-m", "parley.cli", "ledger-check", env=env)
        files = _run(sys.executable, "-m", "parley.cli", "files-check", env=env)
        # And what a missing file looks like to the same check.
        next((restored / "media" / "evidence").rglob("*.png")).unlink()
        broken = _run(sys.executable, "-m", "parley.cli", "files-check", env=env)
    finally:
        if drop:
            _run("dropdb", "--if-exists", f"--maintenance-db={url.rsplit('/', 1)[0]}/postgres", drop)

    assert ledger.returncode == 0, ledger.stdout + ledger.stderr
    assert "all invariants hold" in ledger.stdout
    assert all(line in ledger.stdout for line in summary), (summary, ledger.stdout)  # same counts as the original
    assert files.returncode == 0, files.stdout + files.stderr
    assert "all 2 file(s) present and intact" in files.stdout
    assert broken.returncode != 0 and "is missing" in broken.stderr
