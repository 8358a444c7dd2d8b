"""The desk's pages cost the same number of queries for 3 rows of each kind as for 15: tickets,
notifications, disputes and the staff inbox and queue read no row one at a time (N+1)."""

from __future__ import annotations

import pytest

from testsupport.desk import Desk
from testsupport.querycount import assert_same_cost


@pytest.fixture
def desk(make_user):
    return Desk(owner=make_user("owner"), buyer=make_user("buyer"), staff=make_user("agent", staff=True))


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("owner", "/tickets/"),
        ("owner", "/notifications/"),
        ("buyer", "/notifications/"),
        ("buyer", "/disputes/"),
        ("buyer", "/disputes/?tab=escalated"),
        ("staff", "/disputes/?tab=awaiting_me"),
        ("staff", "/staff/"),
        ("staff", "/staff/?kind=ticket&assignee=agent"),
        ("staff", "/staff/?status=waiting_on_party"),
        ("staff", "/staff/?q=buyer"),
        ("staff", "/staff/tickets/"),
        ("staff", "/staff/tickets/?status=answered"),
    ],
)
def test_desk_pages(desk, client, tclock, who, path):
    client.force_login(getattr(desk, who))
    assert_same_cost(desk, lambda: client.get(path))
