"""Never more, never for nothing (PRODUCT.md §15): an automatic outcome in the buyer's favour
gives what the buyer asked for and no more; nothing pays a seller for an order never delivered.
Each case here was reproduced over HTTP before it was fixed."""

from __future__ import annotations

import pytest

from core.errors import Conflict
from disputes import actions, mediation
from disputes.models import Dispute, InfoRequest
from disputes.tests.support import (
    Books,
    assert_settled,
    bring_to_administration,
    decide_now,
    event,
    presets,
    refresh,
)
from ledger import queries as ledger
from testsupport import factories

PARTIAL_5 = {  # 5.00 back of a 100.00 order, with its share of the 5.00 fee
    "buyer_refund": 5_00,
    "fee_refund": 25,
    "seller_payout": 95_00,
    "platform_fee": 4_75,
    "order_status": "partially_refunded",
}


def ask_seller(dispute: Dispute, staff, tclock) -> InfoRequest:
    dispute = bring_to_administration(dispute, tclock)
    return mediation.request_info(dispute_id=dispute.pk, by=staff, party="seller", question="Proof of the key?")


@presets()
def test_a_sellers_forfeit_refunds_what_the_buyer_asked_for_not_the_whole_order(order, people, tclock, preset):
    buyer, seller, staff = people
    dispute = factories.open_dispute(order, reason="incomplete", kind="partial_refund", refund_amount=5_00)
    ask_seller(dispute, staff, tclock)
    before = Books.of(order)

    tclock.advance(days=7)

    assert_settled(dispute, before, **PARTIAL_5)
    assert refresh(dispute).decided_by == "forfeit"


@presets()
def test_the_standing_request_is_the_buyers_latest(order, people, tclock, preset):
    buyer, seller, staff = people
    dispute = factories.open_dispute(order, reason="incomplete", kind="full_refund")
    actions.propose(dispute_id=dispute.pk, by=buyer, kind="partial_refund", refund_amount=5_00)
    ask_seller(dispute, staff, tclock)
    before = Books.of(order)

    tclock.advance(days=7)

    assert_settled(dispute, before, **PARTIAL_5)


def test_seller_silence_under_refund_buyer_refunds_what_was_asked(policy_file, people, tclock):
    policy_file('extends = "standard"\nseller_silence_action = "refund_buyer"\n', "silence")
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="incomplete", kind="partial_refund", refund_amount=5_00)
    deadline = next(d for d in dispute_deadlines(dispute) if d.name == "seller_response")
    assert "5.25" in deadline.consequence and "105.00" not in deadline.consequence
    before = Books.of(order)

    tclock.advance(hours=48)

    assert_settled(dispute, before, **PARTIAL_5)
    assert refresh(dispute).decided_by == "timeout"


def test_seller_silence_under_refund_buyer_does_not_give_money_for_a_replacement(policy_file, people, tclock):
    policy_file('extends = "standard"\nseller_silence_action = "refund_buyer"\n', "silence")
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="incorrect", kind="replacement")

    tclock.advance(hours=48)

    dispute = refresh(dispute)
    assert (dispute.status, dispute.escalated_by) == (Dispute.Status.ESCALATED, "system")
    assert ledger.escrow_balance(order.pk) == order.total.amount


def dispute_deadlines(dispute: Dispute):
    from disputes import queries

    return queries.deadlines_of(refresh(dispute))


@presets()
def test_a_buyers_forfeit_on_a_never_delivered_order_does_not_pay_the_seller(people, tclock, preset):
    buyer, seller, staff = people
    order = factories.paid_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="not_received"), tclock)
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Anything at all?")
    forfeit = next(d for d in dispute_deadlines(dispute) if d.name == "info_answer")
    assert "is paid" not in forfeit.consequence and "mediator decides" in forfeit.consequence
    before = Books.of(order)

    tclock.advance(days=7)

    request.refresh_from_db()
    dispute = refresh(dispute)
    assert request.status == InfoRequest.Status.FORFEITED
    assert (dispute.status, dispute.waiting_on_staff) == (Dispute.Status.ESCALATED, True)
    assert before.delta(order) == Books(0, 0, 0)
    assert event(dispute, "dispute.forfeit_undelivered").data == {"code": "nothing_delivered"}


@presets()
def test_staff_cannot_release_an_undelivered_order_to_the_seller(people, tclock, preset):
    buyer, seller, staff = people
    order = factories.paid_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="not_received"), tclock)
    for outcome, refund in (("release_to_seller", None), ("partial_refund", 50_00)):
        with pytest.raises(Conflict) as refused:
            mediation.preview_decision(dispute=refresh(dispute), by=staff, outcome=outcome, refund_amount=refund)
        assert refused.value.code == "nothing_delivered"
        with pytest.raises(Conflict):
            decide_now(dispute_id=dispute.pk, by=staff, outcome=outcome, refund_amount=refund, note="Paid.")
    before = Books.of(order)

    # A finding that it reached the buyer after all is what allows it.
    decide_now(
        dispute_id=dispute.pk, by=staff, outcome="release_to_seller", findings=["delivered"], note="Chat shows the key."
    )

    assert_settled(
        dispute,
        before,
        buyer_refund=0,
        fee_refund=0,
        seller_payout=100_00,
        platform_fee=5_00,
        order_status="completed",
    )
    assert refresh(dispute).findings == ["delivered"]


@presets("standard")
def test_a_finding_of_not_delivered_overrides_the_record(order, people, tclock, preset):
    buyer, seller, staff = people
    dispute = bring_to_administration(factories.open_dispute(order, reason="not_received"), tclock)
    with pytest.raises(Conflict) as refused:
        mediation.preview_decision(
            dispute=refresh(dispute), by=staff, outcome="release_to_seller", findings=["not_delivered"]
        )
    assert refused.value.code == "nothing_delivered"


@presets()
def test_a_buyer_cannot_withdraw_into_paying_for_nothing(people, tclock, preset):
    buyer, seller, _ = people
    order = factories.paid_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="not_received")
    with pytest.raises(Conflict) as refused:
        actions.propose(dispute_id=dispute.pk, by=buyer, kind="withdraw")
    assert refused.value.code == "nothing_delivered"
    # The way to pay the seller is a delivery on record: agree on it, and confirm it.
    request = actions.propose(dispute_id=dispute.pk, by=buyer, kind="full_delivery")
    actions.accept_proposal(proposal_id=request.pk, by=seller)
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY-9")
    actions.confirm_redelivery(dispute_id=dispute.pk, by=buyer)
    assert refresh(dispute).order.status == "completed"
