"""After a refused action the person goes back where they came from, but only ever to a page of
this site: `next` and the Referer are the client's words."""

from __future__ import annotations

import pytest

from testsupport import factories


@pytest.mark.parametrize(
    ("next_value", "referer", "lands_on"),
    [
        ("/orders/", "", "/orders/"),
        ("", "http://testserver/wallet/", "http://testserver/wallet/"),
        ("-1", "", "/"),  # not an address: once a server error (taken for a view name)
        ("abc", "1e999", "/"),
        ("https://evil.example/", "//evil.example/x", "/"),
        ("", "", "/"),
    ],
)
def test_a_refused_action_goes_back_only_to_this_site(client, make_user, next_value, referer, lands_on):
    buyer, seller = make_user("b"), make_user("s")
    order = factories.delivered_order(buyer, seller)
    client.force_login(buyer)
    headers = {"Referer": referer} if referer else {}
    answer = client.post(f"/orders/{order.public_id}/deliver/", {"next": next_value, "note": "x"}, headers=headers)
    assert answer.status_code == 302
    assert answer["Location"] == lands_on
    order.refresh_from_db()
    assert order.status == "delivered"


@pytest.mark.parametrize(
    ("next_value", "lands_on"), [("/disputes/", "/disputes/"), ("-1", "/"), ("//evil.example", "/")]
)
def test_logging_in_follows_next_only_within_this_site(client, make_user, next_value, lands_on):
    from conftest import PASSWORD

    user = make_user("alice2")
    answer = client.post(f"/login/?next={next_value}", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302
    assert answer["Location"] == lands_on
