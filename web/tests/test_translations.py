"""Every user-facing string is marked for translation and has its Russian entry.

(a) the Russian catalogue has a non-empty, non-fuzzy msgstr for every msgid, with the same
placeholders; (b) every string marked in the code or the templates is in the catalogue; (c) a
heuristic scan of the templates finds no visible text outside `{% translate %}` /
`{% blocktranslate %}`. After marking new strings: `make messages`, translate the new entries
in locale/ru/LC_MESSAGES/django.po (words from docs/glossary.md), and these tests pass again."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|%[sd]")
GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "ngettext", "ngettext_lazy"}

# Templates whose visible text is not marked yet (the scan reports them as pending, and fails
# once one of them is clean so that it leaves this list). Empty when every template is done.
PENDING: set[str] = set()

# Words that are the same in every language: names, units, codes.
ALLOWED_WORDS = {
    "Parley",
    "API",
    "UTC",
    "JSON",
    "SHA-256",
    "SHA",
    "ID",
    "USD",
    "EUR",
    "RUB",
    "OK",
    "HTTP",
    "URL",
    "psk",
    "pk",
    "sha",  # the "sha256 …" label of a file's digest
    "dsp",  # the "dsp_…" prefix of a dispute id
}


def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def _files(pattern: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", pattern], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / line for line in listed.stdout.split()]


def test_every_entry_has_a_russian_translation() -> None:
    problems = []
    for entry in catalogue():
        where = entry.occurrences[0][0] if entry.occurrences else "?"
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            problems.append(f"{where}: fuzzy: {entry.msgid!r}")
            continue
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not all(t.strip() for t in translations):
            problems.append(f"{where}: no Russian: {entry.msgid!r}")
            continue
        wanted = set(PLACEHOLDER.findall(entry.msgid))
        for text in translations:
            if set(PLACEHOLDER.findall(text)) != wanted and not entry.msgid_plural:
                problems.append(f"{where}: placeholders differ: {entry.msgid!r} -> {text!r}")
    assert not problems, "Translate these in locale/ru/LC_MESSAGES/django.po:\n" + "\n".join(problems)


def _marked_in_python() -> list[tuple[str, int, str]]:
    found = []
    for path in _files("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if (
            "/tests/" in rel
            or rel.startswith(("bench/", "testsupport/", "examples/", "deploy/"))
            or "/migrations/" in rel
        ):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append((rel, node.lineno, node.args[0].value))
    return found


TRANSLATE_TAG = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.*?)\1""", re.S)


def _marked_in_templates() -> list[tuple[str, int, str]]:
    found = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT).as_posix()
        for match in TRANSLATE_TAG.finditer(text):
            found.append((rel, text.count("\n", 0, match.start()) + 1, match.group(2)))
    return found


def test_every_marked_string_is_in_the_catalogue() -> None:
    known = {entry.msgid for entry in catalogue()}
    missing = [f"{f}:{line}: {s!r}" for f, line, s in _marked_in_python() + _marked_in_templates() if s not in known]
    assert not missing, "Run `make messages`, then translate:\n" + "\n".join(missing)


def _templates() -> list[Path]:
    return [p for p in _files("*.html") + _files("*.txt") if "/templates/" in p.as_posix()]


STRIP = [
    re.compile(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S),
    re.compile(r"{%\s*blocktranslate\b.*?{%\s*endblocktranslate\s*%}", re.S),
    re.compile(r"{%\s*blocktrans\b.*?{%\s*endblocktrans\s*%}", re.S),
    re.compile(r"{#.*?#}", re.S),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I),
    re.compile(r"{%.*?%}", re.S),
    re.compile(r"{{.*?}}", re.S),
]
# Attributes people read: their literal values need marking too.
READ_ATTRIBUTES = re.compile(r"""\b(title|placeholder|aria-label|alt|data-confirm|value)\s*=\s*"([^"]*)\"""", re.I)
TAG = re.compile(r"<[^>]*>", re.S)
WORD = re.compile("[A-Za-z][A-Za-z'\u2019-]+")


def _blank(match: re.Match[str]) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))  # keep line numbers


def unmarked_text(text: str) -> list[tuple[int, str]]:
    """(line, text) of what a reader would see in English, outside translate tags."""
    for pattern in STRIP:
        text = pattern.sub(_blank, text)
    found = []
    for match in READ_ATTRIBUTES.finditer(text):
        if match.group(1).lower() == "value" and not re.search(r"\s", match.group(2).strip()):
            continue  # a form value such as "accept" is a code, not a sentence
        words = [w for w in WORD.findall(match.group(2)) if w.rstrip("-") not in ALLOWED_WORDS]
        if words:
            found.append((text.count("\n", 0, match.start()) + 1, match.group(0)))
    text = TAG.sub(_blank, text)
    for number, line in enumerate(text.splitlines(), start=1):
        words = [
            w for w in WORD.findall(line) if w.rstrip("-") not in ALLOWED_WORDS and not w.startswith(("http", "usr_"))
        ]
        if words:
            found.append((number, line.strip()))
    return sorted(found)


def test_templates_have_no_visible_text_outside_translate_tags() -> None:
    problems, clean_but_pending = [], []
    for path in _templates():
        rel = path.relative_to(ROOT).as_posix()
        found = unmarked_text(path.read_text(encoding="utf-8"))
        if rel in PENDING:
            if not found:
                clean_but_pending.append(rel)
            continue
        problems += [f"{rel}:{line}: {text[:100]}" for line, text in found]
    assert not problems, "Mark these with {% translate %} / {% blocktranslate %}:\n" + "\n".join(problems)
    assert not clean_but_pending, "Now marked: remove from PENDING: " + ", ".join(clean_but_pending)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('<p>{% translate "Save" %}</p>', []),
        ("<p>Save</p>", [(1, "Save")]),
        ('<button title="Open it">{% translate "Go" %}</button>', [(1, 'title="Open it"')]),
        ("{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}", []),
        ("<code>{{ token.prefix }}</code> UTC", []),
    ],
)
def test_the_scan_finds_what_a_reader_sees(template: str, expected: list[tuple[int, str]]) -> None:
    assert unmarked_text(template) == expected
