"""The page's test-clock form takes exactly the moves the API takes (`ops.deadlines`' limits)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages

from core import clock
from ops.deadlines import MAX_ADVANCE_SECONDS, MIN_ADVANCE_SECONDS


@pytest.mark.parametrize(
    ("seconds", "taken"),
    [
        (MIN_ADVANCE_SECONDS, True),  # zero: runs what is due, moves nothing
        (60, True),
        (MAX_ADVANCE_SECONDS, True),
        (MIN_ADVANCE_SECONDS - 1, False),
        (MAX_ADVANCE_SECONDS + 1, False),
    ],
)
def test_the_api_and_the_page_take_the_same_moves(api, client, make_user, seconds, taken):
    staff = make_user(staff=True)
    client.force_login(staff)

    start = clock.now()  # frozen in tests
    by_api = api(staff).post("/test-clock/advance", {"seconds": seconds})
    moved_by_api = clock.now() - start
    by_page = client.post("/test-clock/advance/", {"seconds": seconds})
    moved_by_page = clock.now() - start - moved_by_api
    refusals = [m for m in get_messages(by_page.wsgi_request) if m.level_tag == "error"]

    assert (by_api.status_code == 200) is taken
    assert (by_page.status_code == 302 and not refusals) is taken
    assert moved_by_page == moved_by_api == (timedelta(seconds=seconds) if taken else timedelta(0))
    if not taken:
        assert by_api.json()["code"] == "validation_error"
