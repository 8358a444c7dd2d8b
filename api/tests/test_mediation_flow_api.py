"""The administration's work on a case through the HTTP API only, as a marketplace's backend
would drive it with bearer tokens: a staff member takes an escalated dispute, asks the buyer a
question that goes unanswered, and the test clock carries the case to the forfeit and the
money to the seller; who may take a case, and who may not."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from api.tests.test_disputes_api import problem
from disputes.tests.support import presets
from policy.active import configured_policy

PRICE = {"amount": 100_00, "currency": "USD"}


class Desk:
    """Buyer, seller and a mediator, each an API client with their own bearer token."""

    def __init__(self, api: Any, make_user: Any) -> None:
        self.buyer = api(make_user("dana"))
        self.seller = api(make_user("sam"))
        self.carol = api(make_user("carol", staff=True))

    def advance(self, delta: timedelta) -> datetime:
        moved = self.carol.post("/test-clock/advance", {"seconds": int(delta.total_seconds())})
        assert moved.status_code == 200, moved.content
        return datetime.fromisoformat(moved.json()["now"])

    def now(self) -> datetime:
        return datetime.fromisoformat(self.carol.get("/test-clock").json()["now"])

    def delivered_order(self, seller: Any | None = None) -> dict:
        seller = seller or self.seller
        deposit = self.buyer.post("/wallet/deposits", {"amount": {"amount": 2 * PRICE["amount"], "currency": "USD"}})
        assert deposit.status_code == 201, deposit.content
        listing = seller.post(
            "/listings", {"title": "Game account", "description": "Level 80.", "kind": "product", "price": PRICE}
        ).json()
        order = self.buyer.post("/orders", {"listing_id": listing["id"]}).json()
        delivered = seller.post(f"/orders/{order['id']}/deliver", {"note": "Login: mage80"})
        assert delivered.status_code == 200, delivered.content
        return delivered.json()

    def escalated_dispute(self, seller: Any | None = None) -> dict:
        """A dispute the seller leaves unanswered, with the administration: by the seller's
        response timer, the automatic escalation, or the buyer once the policy allows it."""
        policy = configured_policy()
        order = self.delivered_order(seller)
        self.advance(policy.min_order_age)
        opened = self.buyer.post(
            "/disputes",
            {
                "order_id": order["id"],
                "reason": "not_as_described",
                "description": "The account is level 60, not 80.",
                "requested_outcome": {"kind": "full_refund"},
                "accept_terms": True,
            },
        )
        assert opened.status_code == 201, opened.content
        dispute = opened.json()
        self.advance(policy.escalation_available_after)
        if self.buyer.get(f"/disputes/{dispute['id']}").json()["status"] != "escalated":
            assert self.buyer.post(f"/disputes/{dispute['id']}/escalate").status_code == 200
        shown = self.carol.get(f"/disputes/{dispute['id']}").json()
        assert (shown["status"], shown["waiting_on"]) == ("escalated", ["staff"])
        return shown


@pytest.fixture
def desk(api, make_user, preset) -> Desk:
    return Desk(api, make_user)


def usd(client: Any) -> int:
    balances = client.get("/wallet").json()["balances"]
    return next((m["amount"] for m in balances if m["currency"] == "USD"), 0)


def codes_for(client: Any, dispute_id: str) -> list[str]:
    items = client.get("/notifications", limit=100).json()["items"]
    return [n["code"] for n in items if dispute_id in n["link"]]


@presets()
def test_an_unanswered_question_forfeits_the_buyers_claim_and_pays_the_seller(desk, preset):
    dispute = desk.escalated_dispute()
    base = f"/disputes/{dispute['id']}"
    assert desk.carol.post(f"{base}/assign", {"assignee": "carol"}).json()["assignee"] == "carol"
    asked = desk.carol.post(f"{base}/info-requests", {"party": "buyer", "question": "A screenshot of the level?"})
    assert asked.status_code == 201, asked.content
    question = asked.json()
    due = datetime.fromisoformat(question["due_at"])
    assert due == desk.now() + configured_policy().info_request_due
    assert "dispute.info_requested" in codes_for(desk.buyer, dispute["id"])
    wallets = usd(desk.buyer), usd(desk.seller)

    desk.advance(due - desk.now() - timedelta(seconds=1))

    waiting = desk.carol.get(base).json()
    assert (waiting["status"], waiting["resolution"]) == ("escalated", None)
    assert [q["status"] for q in waiting["info_requests"]] == ["open"]
    assert "dispute.resolved" not in codes_for(desk.buyer, dispute["id"]) + codes_for(desk.seller, dispute["id"])
    assert (usd(desk.buyer), usd(desk.seller)) == wallets

    assert desk.advance(timedelta(seconds=1)) == due

    done = desk.carol.get(base).json()
    assert done["status"] == "resolved"
    assert [q["status"] for q in done["info_requests"]] == ["forfeited"]
    resolution = done["resolution"]
    assert (resolution["outcome"], resolution["decided_by"]) == ("release_to_seller", "forfeit")
    assert resolution["buyer_refund"]["amount"] == resolution["fee_refund"]["amount"] == 0
    order = desk.buyer.get(f"/orders/{dispute['order_id']}").json()
    assert order["status"] == "completed"
    assert resolution["seller_payout"]["amount"] + resolution["platform_fee"]["amount"] == order["total"]["amount"]
    assert {"dispute.info_forfeited", "dispute.resolved"} <= {t["code"] for t in done["timeline"]}
    for party in (desk.buyer, desk.seller):
        assert "dispute.resolved" in codes_for(party, dispute["id"])
    assert (usd(desk.buyer), usd(desk.seller)) == (wallets[0], wallets[1] + resolution["seller_payout"]["amount"])
    check = desk.carol.get("/ledger/check")
    assert check.status_code == 200 and check.json()["ok"] is True, check.json()


def test_staff_take_a_case_and_hand_it_on_or_release_it(desk, make_user):
    dispute = desk.escalated_dispute()
    make_user("erin", staff=True)
    path = f"/disputes/{dispute['id']}/assign"

    taken = desk.carol.post(path, {"assignee": "carol"})
    assert taken.status_code == 200 and taken.json()["assignee"] == "carol"
    assert desk.carol.post(path, {"assignee": "erin"}).json()["assignee"] == "erin"
    assert desk.carol.post(path, {"assignee": None}).json()["assignee"] is None
    timeline = desk.carol.get(f"/disputes/{dispute['id']}").json()["timeline"]
    assert [t["code"] for t in timeline].count("dispute.assigned") == 3


def test_only_staff_with_no_part_in_the_case_may_take_it(desk, api, make_user):
    dave = make_user("dave", staff=True)
    dispute = desk.escalated_dispute(seller=api(dave))  # a staff member selling on the marketplace
    path = f"/disputes/{dispute['id']}/assign"

    problem(desk.buyer.post(path, {"assignee": "carol"}), 403, "forbidden")
    problem(desk.buyer.post(path, {"assignee": None}), 403, "forbidden")
    problem(desk.buyer.post(path, {"assignee": "no-such-user"}), 403, "forbidden")  # tells no staff names
    problem(api(dave).post(path, {"assignee": "dave"}), 403, "forbidden")  # a party acts only as a party
    problem(api(dave).post(path, {"assignee": "carol"}), 403, "forbidden")
    problem(desk.carol.post(path, {"assignee": "dave"}), 409, "own_case")
    problem(desk.carol.post(path, {"assignee": "dana"}), 422, "validation_error")  # not staff
    problem(api(make_user("stranger")).post(path, {"assignee": "carol"}), 404, "not_found")

    shown = desk.carol.get(f"/disputes/{dispute['id']}").json()
    assert shown["assignee"] is None
    assert "dispute.assigned" not in {t["code"] for t in shown["timeline"]}
