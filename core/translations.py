"""The compiled catalogues (`locale/<lang>/LC_MESSAGES/django.mo`) are built from the `.po`
files in git, in pure Python (polib), so running Parley needs no GNU gettext; only regenerating
the catalogue from the code (`make messages`, Django's makemessages) does."""

from __future__ import annotations

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def stale(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """The `.po` files whose `.mo` is missing or older."""
    out = []
    for po in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            out.append(po)
    return out


def compile_catalogues(locale_dir: Path = LOCALE_DIR, *, only_stale: bool = False) -> list[Path]:
    """Writes each `.mo` beside its `.po` (fuzzy entries left out, as msgfmt does); returns them."""
    written = []
    for po_path in stale(locale_dir) if only_stale else sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        mo_path = po_path.with_suffix(".mo")
        tmp = mo_path.with_suffix(".mo.tmp")
        catalogue.save_as_mofile(str(tmp))
        tmp.replace(mo_path)  # a reader never sees half a file
        written.append(mo_path)
    return written
