"""Keyset pages with opaque cursors: every row exactly once, and a cursor the server did not give
out is a validation problem, not a server error."""

from __future__ import annotations

import base64

import pytest

from accounts.models import User
from core.errors import ValidationFailed
from core.pagination import MAX_LIMIT, clamp_limit, decode_cursor, encode_cursor, keyset_page


def _all_pages(qs, *, limit, oldest_first=False):
    pages, cursor = [], None
    while True:
        page = keyset_page(qs, cursor=cursor, limit=limit, oldest_first=oldest_first)
        pages.append([row.pk for row in page.items])
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@pytest.mark.parametrize("oldest_first", [False, True])
@pytest.mark.parametrize("limit", [1, 3, 7, 8])
def test_pages_cover_every_row_once_in_order(make_user, limit, oldest_first):
    ids = [make_user().pk for _ in range(7)]

    pages = _all_pages(User.objects.all(), limit=limit, oldest_first=oldest_first)

    flat = [pk for page in pages for pk in page]
    assert flat == (sorted(ids) if oldest_first else sorted(ids, reverse=True))
    assert all(0 < len(page) <= limit for page in pages)
    assert len(pages) == -(-7 // limit)  # no empty page at the end


def test_rows_added_while_paging_do_not_shift_a_page(make_user):
    for _ in range(5):
        make_user()
    first = keyset_page(User.objects.all(), cursor=None, limit=2)
    make_user()  # newer than everything: belongs before the first page, not in the next one
    second = keyset_page(User.objects.all(), cursor=first.next_cursor, limit=2)
    assert not {u.pk for u in first.items} & {u.pk for u in second.items}
    assert max(u.pk for u in second.items) < min(u.pk for u in first.items)


def test_an_empty_list_is_one_empty_page(db):
    page = keyset_page(User.objects.all(), cursor=None, limit=5)
    assert (page.items, page.next_cursor) == ([], None)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        "%%%",
        _b64(b"k1:5"),  # the plain cursors of an earlier version
        _b64(b"k1"),
        _b64(b"\xff\xfe"),
        _b64(bytes(8)),  # the right length, but not enciphered by this server
        _b64(bytes(9)),
        "a",
    ],
)
def test_a_cursor_the_server_did_not_give_out_is_a_validation_error(cursor):
    with pytest.raises(ValidationFailed) as exc:
        decode_cursor(cursor)
    assert exc.value.code == "validation_error"
    assert "cursor" in exc.value.fields


def _block(cursor: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)), "big")


@pytest.mark.parametrize("row_id", [1, 2, 12345, 2**40 + 7])
def test_cursors_round_trip_and_do_not_carry_the_row_id(row_id):
    cursor = encode_cursor(row_id)
    assert decode_cursor(cursor) == row_id
    assert _block(cursor) >> 16 != row_id


def test_neighbouring_ids_give_unrelated_cursors_and_a_changed_cursor_is_refused():
    first, second = encode_cursor(41), encode_cursor(42)
    assert abs(_block(first) - _block(second)) > 2**32
    flipped = _b64((_block(first) ^ (1 << 40)).to_bytes(8, "big"))
    with pytest.raises(ValidationFailed):
        decode_cursor(flipped)


def test_another_secret_key_gives_other_cursors(settings):
    cursor = encode_cursor(7)
    settings.SECRET_KEY = "another-" + settings.SECRET_KEY
    assert encode_cursor(7) != cursor


@pytest.mark.parametrize("limit", [0, -1, MAX_LIMIT + 1])
def test_limits_outside_one_to_max_are_refused(limit):
    with pytest.raises(ValidationFailed) as exc:
        clamp_limit(limit)
    assert "limit" in exc.value.fields
    assert clamp_limit(MAX_LIMIT) == MAX_LIMIT


def test_the_api_answers_a_bad_cursor_with_a_422_problem(api, make_user):
    client = api(make_user())
    for path in ("/orders", "/wallet/entries", "/listings"):
        response = client.get(path, cursor="garbage!")
        assert response.status_code == 422, path
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "validation_error"
    assert client.get("/orders", limit=0).status_code == 422
