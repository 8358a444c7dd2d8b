"""Public ids: the prefix, 20 characters of Crockford's base32, and every character position
random over the whole alphabet (a slip in the bit arithmetic would pin a position)."""

from __future__ import annotations

import re

from core.ids import _ALPHABET, new_public_id


def test_an_id_is_its_prefix_and_twenty_characters_of_the_alphabet():
    assert re.fullmatch(r"ord_[0-9a-hjkmnp-tv-z]{20}", new_public_id("ord"))
    assert set(_ALPHABET) == set("0123456789abcdefghjkmnpqrstvwxyz")


def test_every_position_takes_every_character():
    ids = [new_public_id("x")[2:] for _ in range(3000)]
    # The chance that a fair position misses one of 32 characters in 3,000 draws is ~1e-40.
    for position in range(20):
        assert {value[position] for value in ids} == set(_ALPHABET), position
    assert len(set(ids)) == len(ids)
