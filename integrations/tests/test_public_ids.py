"""Every order, dispute, ticket and listing names its people by public id and carries metadata."""

from __future__ import annotations

from typing import Any

import pytest

from policy.active import configured_policy
from testsupport import factories

BAD = {"k" * 41: "v"}


@pytest.fixture
def people(make_user: Any, api: Any) -> Any:
    buyer, seller = make_user("buyer"), make_user("seller")
    factories.fund(buyer, 1_000_00)
    return buyer, seller


def test_listing_order_dispute_and_ticket_carry_ids_and_metadata(people: Any, api: Any, tclock: Any) -> None:
    buyer, seller = people
    listing = api(seller).post(
        "/listings",
        {"title": "Key", "kind": "product", "price": {"amount": 10_00, "currency": "USD"}, "metadata": {"sku": "A1"}},
    )
    assert listing.status_code == 201, listing.content
    assert listing.json()["seller_id"] == seller.public_id and listing.json()["metadata"] == {"sku": "A1"}
    order = api(buyer).post("/orders", {"listing_id": listing.json()["id"], "metadata": {"cart": "c-1"}}).json()
    assert (order["buyer_id"], order["seller_id"], order["metadata"]) == (
        buyer.public_id,
        seller.public_id,
        {"cart": "c-1"},
    )
    assert api(seller).post(f"/orders/{order['id']}/deliver", {"note": "K"}).json()["metadata"] == {"cart": "c-1"}
    tclock.advance(seconds=int(configured_policy().min_order_age.total_seconds()))
    dispute = api(buyer).post(
        "/disputes",
        {
            "order_id": order["id"],
            "reason": "incorrect",
            "description": "Wrong region.",
            "requested_outcome": {"kind": "full_refund"},
            "accept_terms": True,
            "metadata": {"case": "z-9"},
        },
    )
    assert dispute.status_code == 201, dispute.content
    body = dispute.json()
    assert (body["buyer_id"], body["seller_id"], body["metadata"]) == (
        buyer.public_id,
        seller.public_id,
        {"case": "z-9"},
    )
    assert api(buyer).get("/disputes").json()["items"][0]["buyer_id"] == buyer.public_id
    ticket = (
        api(buyer)
        .post("/tickets", {"subject": "Help", "category": "other", "body": "Hello", "metadata": {"t": "1"}})
        .json()
    )
    assert ticket["owner_id"] == buyer.public_id and ticket["metadata"] == {"t": "1"}
    assert api(buyer).get("/tickets").json()["items"][0]["owner_id"] == buyer.public_id
    assert api(buyer).get("/orders").json()["items"][0]["metadata"] == {"cart": "c-1"}


def test_metadata_beyond_the_limits_is_refused_everywhere(people: Any, api: Any) -> None:
    buyer, seller = people
    listing = factories.listing(seller)
    answers = [
        api(seller).post(
            "/listings", {"title": "K", "kind": "product", "price": {"amount": 100, "currency": "USD"}, "metadata": BAD}
        ),
        api(buyer).post("/orders", {"listing_id": listing.public_id, "metadata": BAD}),
        api(buyer).post("/tickets", {"subject": "H", "category": "other", "body": "x", "metadata": BAD}),
        api(buyer).post("/orders", {"listing_id": listing.public_id, "metadata": {"k": "v" * 501}}),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.content
        assert answer.json()["code"] == "validation_error" and "metadata" in str(answer.json())
    from orders.models import Order

    assert not Order.objects.exists()
