from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from disputes import actions as disputes
from ops import orphan_files
from testsupport import factories
from tickets import actions as tickets
from tickets.tests.samples import pdf, png


class Refused(Exception):
    pass


def _rolled_back(upload: Callable[[], object]) -> None:
    """Runs `upload` in a transaction that then fails, as a refusal after the save would."""
    try:
        with transaction.atomic():
            upload()
            raise Refused
    except Refused:
        pass


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def _age(root: Path, names: set[str], *, hours: float) -> None:
    then = time.time() - hours * 3600
    for name in names:
        os.utime(root / name, (then, then))


def test_files_of_rolled_back_uploads_are_swept_once_old_and_kept_files_stay(settings, tmp_path, make_user, tclock):
    settings.MEDIA_ROOT = tmp_path
    buyer, seller = make_user("b"), make_user("s")
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    disputes.add_evidence(dispute_id=dispute.pk, by=buyer, upload=png())
    tickets.open_ticket(by=buyer, subject="Help", category="other", body="See the file.", files=[pdf()])
    kept = _files(tmp_path)
    assert len(kept) == 2

    _rolled_back(lambda: disputes.add_evidence(dispute_id=dispute.pk, by=buyer, upload=png("lost.png")))
    orphaned = _files(tmp_path) - kept
    assert len(orphaned) == 1

    _age(tmp_path, kept | orphaned, hours=2)
    # A second orphan, too fresh to judge: its transaction might still be about to commit.
    _rolled_back(lambda: tickets.open_ticket(by=buyer, subject="Help", category="other", body="Again.", files=[pdf()]))
    fresh = _files(tmp_path) - kept - orphaned
    assert len(fresh) == 1

    tclock.advance(days=30)  # the test clock does not make a fresh upload look old
    assert orphan_files.sweep() == 1
    assert _files(tmp_path) == kept | fresh
    assert all(default_storage.exists(name) for name in kept)
    assert orphan_files.sweep() == 0


def test_sweeping_an_empty_storage_does_nothing(settings, tmp_path, db):
    settings.MEDIA_ROOT = tmp_path
    assert orphan_files.sweep() == 0


def test_the_worker_sweeps_in_its_first_round(settings, tmp_path, db):
    from ops.worker import Worker

    settings.MEDIA_ROOT = tmp_path
    default_storage.save("evidence/dsp_gone/evd_gone.png", ContentFile(b"left behind"))
    _age(tmp_path, {"evidence/dsp_gone/evd_gone.png"}, hours=2)
    Worker().tick()
    assert not _files(tmp_path)
