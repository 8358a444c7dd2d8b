"""The refund rules the mediator reads on the case view must be the rules the decision then
enforces: a line that promises what `decide` refuses (or hides what it demands) misleads."""

from __future__ import annotations

import pytest

from core.errors import Conflict
from disputes import actions
from disputes.guidance import applicable_rules
from disputes.tests.support import bring_to_administration, decide_now, refresh
from testsupport import factories

NEVER_DELIVERED = "The order was never delivered: the buyer is eligible for a full refund."
SERVICE = "A completed service: a refund needs a finding of seller error"


def says(dispute, text: str) -> bool:
    return any(line.startswith(text) for line in applicable_rules(refresh(dispute)))


def test_an_undelivered_product_is_eligible_for_a_full_refund(people, tclock):
    buyer, seller, staff = people
    order = factories.paid_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="not_received"), tclock)
    assert says(dispute, NEVER_DELIVERED) and not says(dispute, SERVICE)
    decide_now(dispute_id=dispute.pk, by=staff, outcome="full_refund", note="Never came.")


def test_a_service_delivered_again_in_the_dispute_needs_a_seller_error(people, tclock):
    buyer, seller, staff = people
    order = factories.paid_order(buyer, seller, kind="service")
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="not_received", kind="full_delivery")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="Done now.")
    actions.escalate(dispute_id=dispute.pk, by=buyer)  # the buyer disputes the redelivery

    assert says(dispute, SERVICE) and not says(dispute, NEVER_DELIVERED)
    with pytest.raises(Conflict) as refused:
        decide_now(dispute_id=dispute.pk, by=staff, outcome="full_refund", note="Not done.")
    assert refused.value.code == "seller_error_required"


@pytest.mark.parametrize(("reason", "keeps_nothing"), [("defective", True), ("incorrect", False)])
def test_the_share_a_seller_may_keep_on_a_return_is_spelled_out(order, people, tclock, reason, keeps_nothing):
    dispute = factories.open_dispute(order, reason=reason)
    most = order.policy.max_seller_keep_on_return
    assert says(dispute, "The reason is") is keeps_nothing
    assert says(dispute, f"On a return the seller may keep up to {most} %") is not keeps_nothing
