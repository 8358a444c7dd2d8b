"""Finding: staff who are a party to a case could open the mediator's view of it (every action
was refused, but they read what mediators read). The staff case page and its decision preview
now refuse a party; other staff still see it."""

from __future__ import annotations

from django.test import Client

from testsupport import factories

PASSWORD = "correct-horse-battery"


def _client(username):
    web = Client()
    assert web.login(username=username, password=PASSWORD)
    return web


def test_a_staff_member_who_is_a_party_cannot_open_the_mediator_view(make_user, tclock):
    buyer = make_user("staffbuyer", staff=True)
    seller = make_user("seller")
    make_user("mediator", staff=True)
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)

    party = _client("staffbuyer")
    page = party.get(f"/staff/disputes/{dispute.public_id}/")
    assert page.status_code == 403
    assert "party" in page.content.decode()
    preview = party.get(f"/staff/disputes/{dispute.public_id}/preview/", {"outcome": "refund_buyer"})
    assert preview.status_code == 403
    assert party.get(f"/disputes/{dispute.public_id}/").status_code == 200  # their own view stays

    assert _client("mediator").get(f"/staff/disputes/{dispute.public_id}/").status_code == 200


def test_a_staff_seller_cannot_open_the_mediator_view_either(make_user, tclock):
    buyer = make_user("buyer")
    seller = make_user("staffseller", staff=True)
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    assert _client("staffseller").get(f"/staff/disputes/{dispute.public_id}/").status_code == 403
