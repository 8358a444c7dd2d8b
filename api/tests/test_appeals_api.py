"""Decisions with reasons, targets and appeals over HTTP (PRODUCT.md §15, API.md v1 additions):
`findings` on the decision, `resolution.reasons`, the decision target, `decided` → `appealed`
→ a final decision by another staff member, and the codes of every refusal."""

from __future__ import annotations

import pytest

from core.models import AuditEvent
from disputes.models import Dispute
from disputes.tests.support import Books
from ledger import queries as ledger
from testsupport import factories
from webhooks.models import WebhookDelivery


@pytest.fixture
def people(make_user):
    return make_user("buyer"), make_user("seller"), make_user("mediator", staff=True), make_user("second", staff=True)


@pytest.fixture
def escalated(api, preset, people, tclock):
    """A delivered 100.00 order's dispute, escalated by the seller's silence (48 h)."""
    buyer, seller, _, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    body = {
        "order_id": order.public_id,
        "reason": "defective",
        "description": "It does not start.",
        "requested_outcome": {"kind": "full_refund"},
        "accept_terms": True,
    }
    dispute = api(buyer).post("/disputes", body).json()
    tclock.advance(hours=48)
    return order, dispute["id"]


def problem(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["code"] == code


DECISION = {"outcome": "partial_refund", "refund_amount": 40_00, "findings": ["defective"], "note": "Half works."}


def test_a_decision_states_its_reasons_and_waits_for_the_appeal_window(api, escalated, people, tclock):
    buyer, seller, staff, _ = people
    order, dispute_id = escalated
    seen = api(buyer).get(f"/disputes/{dispute_id}").json()
    target = next(d for d in seen["deadlines"] if d["name"] == "decision_target")
    assert target["party"] == "staff" and "aims to decide by" in target["consequence"]
    assert seen["decision_due_at"] == target["at"]
    books = Books.of(order)

    decided = api(staff).post(f"/disputes/{dispute_id}/decision", DECISION).json()

    assert decided["status"] == "decided"
    assert Books.of(order) == books and ledger.escrow_balance(order.pk) == order.total.amount
    assert api(buyer).get(f"/orders/{order.public_id}").json()["status"] == "disputed"
    reasons = decided["resolution"]["reasons"]
    assert set(reasons) == {"outcome", "amounts", "rules", "findings", "note", "decided_by", "appeal_until"}
    assert reasons["outcome"] == "partial_refund" and reasons["findings"] == ["defective"]
    assert reasons["amounts"]["buyer_refund"] == {"amount": 40_00, "currency": "USD"}
    assert reasons["amounts"]["fee_refund"] == {"amount": 2_00, "currency": "USD"}
    names = {r["name"]: r["text"] for r in reasons["rules"]}
    assert "72 hours" in names["appeal_window"] and "fee_in_proportion" in names
    assert reasons["decided_by"] == {"kind": "administrator", "user": "mediator", "rule": None}
    assert reasons["appeal_until"] == decided["appeal_until"]
    window = next(d for d in decided["deadlines"] if d["name"] == "appeal_window")
    assert "40.00" in window["consequence"] or "42.00" in window["consequence"]
    actions = {a["action"]: a["allowed"] for a in api(seller).get(f"/disputes/{dispute_id}").json()["allowed_actions"]}
    assert actions["appeal"] and actions["accept_decision"]

    tclock.advance(hours=72)  # nobody appealed: it settles, once

    final = api(buyer).get(f"/disputes/{dispute_id}").json()
    assert final["status"] == "resolved" and final["resolution"]["final"] is True
    assert final["resolution"]["decided_by_user"] == "mediator"
    assert Books.of(order).buyer - books.buyer == 42_00
    resolved = AuditEvent.objects.get(case_id=order.pk, code="dispute.resolved")
    assert resolved.data["reasons"]["outcome"] == "partial_refund"
    problem(api(buyer).post(f"/disputes/{dispute_id}/appeal", {"reason": "Late."}), 409, "appeal_window_closed")


def test_an_appeal_goes_to_another_staff_member_whose_decision_is_final(api, escalated, people, tclock):
    buyer, seller, staff, second = people
    order, dispute_id = escalated
    api(staff).post(f"/disputes/{dispute_id}/decision", DECISION)
    problem(api(staff).post(f"/disputes/{dispute_id}/appeal", {"reason": "x"}), 403, "forbidden")
    problem(api(seller).post(f"/disputes/{dispute_id}/appeal", {"reason": ""}), 422, "validation_error")

    appealed = api(seller).post(f"/disputes/{dispute_id}/appeal", {"reason": "It works on my machine."})

    assert appealed.status_code == 200
    body = appealed.json()
    assert body["status"] == "appealed" and body["appeal"]["by"] == "seller"
    problem(api(buyer).post(f"/disputes/{dispute_id}/appeal", {"reason": "Me too."}), 409, "already_appealed")
    problem(api(buyer).post(f"/disputes/{dispute_id}/decision/accept"), 409, "not_allowed_in_state")
    final_terms = {"outcome": "release_to_seller", "note": "It works."}
    problem(api(staff).post(f"/disputes/{dispute_id}/decision", final_terms), 403, "forbidden")
    problem(api(staff).post(f"/disputes/{dispute_id}/decision?preview=true", final_terms), 403, "forbidden")
    books = Books.of(order)

    final = api(second).post(f"/disputes/{dispute_id}/decision", final_terms).json()

    assert final["status"] == "resolved"
    assert final["resolution"]["decided_by_user"] == "second"
    assert final["resolution"]["reasons"]["decided_by"]["user"] == "second"
    assert Books.of(order).seller - books.seller == 100_00
    problem(api(buyer).post(f"/disputes/{dispute_id}/appeal", {"reason": "Again."}), 409, "already_appealed")
    tclock.advance(hours=72)  # the old window's deadline was cancelled: nothing moves twice
    assert ledger.escrow_balance(order.pk) == 0


def test_both_parties_accepting_settles_at_once(api, escalated, people):
    buyer, seller, staff, _ = people
    order, dispute_id = escalated
    api(staff).post(f"/disputes/{dispute_id}/decision", DECISION)
    assert api(seller).post(f"/disputes/{dispute_id}/decision/accept").json()["status"] == "decided"
    problem(api(seller).post(f"/disputes/{dispute_id}/decision/accept"), 409, "not_allowed_in_state")
    done = api(buyer).post(f"/disputes/{dispute_id}/decision/accept").json()
    assert done["status"] == "resolved" and done["resolution"]["decided_by_user"] == "mediator"


@pytest.mark.parametrize("preset", ["igitems", "difmark"], indirect=True)
def test_without_an_appeal_window_a_decision_is_final(api, people, tclock, preset):
    buyer, seller, staff, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    from disputes.tests.support import bring_to_administration

    class Jumps:
        def advance(self, seconds: int) -> None:
            tclock.advance(seconds=seconds)

    bring_to_administration(dispute, Jumps())
    body = api(staff).post(f"/disputes/{dispute.public_id}/decision", {**DECISION, "findings": []}).json()
    assert body["status"] == "resolved"
    assert body["resolution"]["reasons"]["appeal_until"] is None
    assert "decision_target" not in {d["name"] for d in body["deadlines"]}
    assert Dispute.objects.get(pk=dispute.pk).decision_due_at is None
    problem(api(buyer).post(f"/disputes/{dispute.public_id}/appeal", {"reason": "x"}), 409, "not_allowed_in_state")


def test_the_old_seller_error_flag_is_the_finding(api, people, tclock, preset):
    buyer, seller, staff, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00, kind="service")
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="incomplete")
    tclock.advance(hours=48)
    path = f"/disputes/{dispute.public_id}/decision"
    problem(api(staff).post(path, {"outcome": "full_refund", "note": "x"}), 409, "seller_error_required")
    old = api(staff).post(path, {"outcome": "full_refund", "seller_error": True, "note": "Not done."}).json()
    assert old["resolution"]["findings"] == ["seller_error"] and old["resolution"]["seller_error"] is True


def test_the_resolution_webhook_carries_the_statement_of_reasons(api, escalated, people, make_user):
    from webhooks import actions as webhook_actions

    buyer, seller, staff, second = people
    order, dispute_id = escalated
    webhook_actions.create_endpoint(by=staff, url="http://127.0.0.1:9/parley-events", events=["dispute.resolved"])
    api(staff).post(f"/disputes/{dispute_id}/decision", DECISION)
    api(seller).post(f"/disputes/{dispute_id}/decision/accept")
    api(buyer).post(f"/disputes/{dispute_id}/decision/accept")
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload["data"]["reasons"]["findings"] == ["defective"]
    assert delivery.payload["data"]["reasons"]["rules"]


def test_a_case_back_with_the_administration_after_its_appeal_is_decided_finally(api, escalated, people, tclock):
    # The final decision after the appeal starts a return; the buyer misses the shipping step,
    # so the case escalates again. The next decision is final too, and nobody appeals twice.
    buyer, seller, staff, second = people
    order, dispute_id = escalated
    api(staff).post(f"/disputes/{dispute_id}/decision", DECISION)
    assert api(seller).post(f"/disputes/{dispute_id}/appeal", {"reason": "Not defective."}).status_code == 200
    ret = {"outcome": "return_and_refund", "seller_keep_percent": 0, "findings": ["defective"], "note": "Return it."}
    assert api(second).post(f"/disputes/{dispute_id}/decision", ret).json()["status"] == "awaiting_return"
    tclock.advance(days=4)  # return_ship_due (3 days) passed without the buyer shipping
    assert api(second).get(f"/disputes/{dispute_id}").json()["status"] == "escalated"

    again = api(second).post(f"/disputes/{dispute_id}/decision", DECISION).json()

    assert again["status"] == "resolved"
    assert ledger.escrow_balance(order.pk) == 0
    problem(api(buyer).post(f"/disputes/{dispute_id}/appeal", {"reason": "Again."}), 409, "already_appealed")
