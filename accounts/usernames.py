"""What a username may be: one that reads as what it is.

A username is normalised (NFKC: a full-width "bob" is "bob") and refused when it holds an
invisible or blank-looking character (zero-width spaces, Hangul fillers, the braille blank),
a letter that passes for punctuation (the click letters U+01C0 to U+01C3), letters of more
than one script ("alice" with a Cyrillic a), or only letters that pass for Latin ones ("ape" in
Cyrillic). The
script data is Unicode's, through `confusable_homoglyphs`. Uniqueness ignores case, in the
database as well (a unique index on `lower(username)`)."""

from __future__ import annotations

import unicodedata

from confusable_homoglyphs import categories, confusables

# Letters that render as nothing, or as blank space.
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5\u180e\u2060\u2061\u2062\u2063\u2064")


def normalise(username: str) -> str:
    return unicodedata.normalize("NFKC", username.strip())


def problems(username: str) -> list[str]:
    """Why `username` (already normalised) is refused; empty when it is fine."""
    for char in username:
        category = unicodedata.category(char)
        if char in BLANK_LETTERS or category[0] in ("C", "Z"):
            return ["A username may not contain invisible or blank characters."]
        if category == "Lo" and categories.alias(char) == "LATIN":
            return [f"A username may not contain {char!r}, which looks like punctuation."]
    if confusables.is_mixed_script(username, allowed_aliases=["COMMON"]):
        return ["A username must be written in one script (it mixes, for example, Latin and Cyrillic letters)."]
    letters = [c for c in username if unicodedata.category(c).startswith("L")]
    if letters and categories.alias(letters[0]) != "LATIN":
        look_alikes = confusables.is_confusable(username, greedy=True, preferred_aliases=["latin"]) or []
        if len({found["character"] for found in look_alikes}) >= len(set(letters)):
            return ["This username is made only of letters that look like Latin ones; choose another."]
    return []
