"""Never more, never for nothing (PRODUCT.md §15), as properties over every way a dispute ends:
an agreement (accepting the request, a return, a redelivery), a withdrawal, a decision (final,
or after its appeal window), the redelivery timeout, the seller's silence under `refund_buyer`,
and either party's forfeit. Hypothesis draws the order (price, kind, delivered or not), the
buyer's request and the path; whatever the path does, when money moves:
- a seller is paid only for an order delivered (on record, or as the mediator found);
- an automatic outcome in the buyer's favour gives at most what the buyer asked for;
- the ledger's invariants hold and escrow ends at zero."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.models import User
from core import clock
from core.errors import DomainError
from disputes import actions, appeals, mediation
from disputes.models import Dispute, ProposalKind
from disputes.outcomes import delivered_in_fact, has_delivery, standing_request
from disputes.tests.support import settlement_amounts
from ledger import queries as ledger
from ops import deadlines
from ops.ledger_check import run_checks
from orders import actions as order_actions
from policy import active
from testsupport import factories

EXAMPLES = int(os.environ.get("PARLEY_FAIRNESS_EXAMPLES", "10"))  # per path and delivery
PATHS = ("accept", "withdraw", "decision", "silence", "seller_forfeit", "buyer_forfeit", "redelivery_timeout")
REQUESTS = ("full_refund", "partial_refund", "replacement", "full_delivery", "return_and_refund")
FINDINGS = st.lists(st.sampled_from(["defective", "not_as_described", "seller_error", "not_delivered", "delivered"]))
CASES = {
    "price": st.one_of(st.sampled_from([1, 3, 100_00]), st.integers(min_value=1, max_value=10_000_00)),
    "kind": st.sampled_from(["product", "service"]),
    "request": st.sampled_from(REQUESTS),
    "refund_share": st.floats(min_value=0.01, max_value=0.99),
    "outcome": st.sampled_from(["full_refund", "partial_refund", "release_to_seller", "return_and_refund"]),
    "findings": FINDINGS,
    "keep": st.integers(min_value=0, max_value=50),
    "appeal_closes": st.booleans(),
}


class Jumps:
    def advance(self, seconds: int) -> None:
        deadlines.advance(seconds=seconds)


def attempt(step: Any) -> Any:
    """Runs a step a path tries; a refusal (a rule saying no) is an answer, not a failure."""
    try:
        with transaction.atomic():
            return step()
    except DomainError:
        return None


def escalate(dispute: Dispute) -> None:
    from disputes.tests.support import bring_to_administration

    bring_to_administration(dispute, Jumps())


def run_path(dispute: Dispute, case: dict[str, Any], staff: User) -> None:
    order = dispute.order
    buyer, seller = order.buyer, order.seller
    path = case["path"]
    if path == "accept":
        request = standing_request(dispute)
        assert request is not None
        attempt(lambda: actions.accept_proposal(proposal_id=request.pk, by=seller))
        attempt(lambda: actions.mark_returned(dispute_id=dispute.pk, by=buyer))
        attempt(lambda: actions.confirm_return(dispute_id=dispute.pk, by=seller))
        attempt(lambda: actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY"))
        attempt(lambda: actions.confirm_redelivery(dispute_id=dispute.pk, by=buyer))
    elif path == "withdraw":
        attempt(lambda: actions.propose(dispute_id=dispute.pk, by=buyer, kind=ProposalKind.WITHDRAW))
    elif path == "redelivery_timeout":
        offer = attempt(lambda: actions.propose(dispute_id=dispute.pk, by=seller, kind="replacement"))
        if offer is not None:
            attempt(lambda: actions.accept_proposal(proposal_id=offer.pk, by=buyer))
            attempt(lambda: actions.redeliver(dispute_id=dispute.pk, by=seller, note="KEY"))
            deadlines.advance(seconds=int(timedelta(hours=73).total_seconds()))
    elif path == "silence":
        deadlines.advance(seconds=48 * 3600)
    else:
        escalate(dispute)
        if path == "decision":
            decide(dispute, case, staff)
        else:
            party = "seller" if path == "seller_forfeit" else "buyer"
            mediation.request_info(dispute_id=dispute.pk, by=staff, party=party, question="Proof?")
            deadlines.advance(seconds=7 * 86400)


def decide(dispute: Dispute, case: dict[str, Any], staff: User) -> None:
    price = dispute.order.price_amount
    terms = {
        "outcome": case["outcome"],
        "refund_amount": max(1, int(price * case["refund_share"])) if case["outcome"] == "partial_refund" else None,
        "seller_keep_percent": case["keep"] if case["outcome"] == "return_and_refund" else None,
        "findings": case["findings"],
    }
    if attempt(lambda: mediation.decide(dispute_id=dispute.pk, by=staff, note="Decided.", **terms)) is None:
        return
    if case["appeal_closes"]:
        deadlines.advance(seconds=72 * 3600)
    else:
        attempt(lambda: appeals.accept_decision(dispute_id=dispute.pk, by=dispute.order.buyer))
        attempt(lambda: appeals.accept_decision(dispute_id=dispute.pk, by=dispute.order.seller))
    attempt(lambda: actions.mark_returned(dispute_id=dispute.pk, by=dispute.order.buyer))
    attempt(lambda: actions.confirm_return(dispute_id=dispute.pk, by=dispute.order.seller))


def most_asked(dispute: Dispute) -> int:
    request = standing_request(dispute)
    assert request is not None
    if request.kind == ProposalKind.PARTIAL_REFUND:
        return request.refund_amount or 0
    if request.kind == ProposalKind.FULL_REFUND or not has_delivery(dispute):
        return dispute.order.price_amount
    return 0


def check(dispute: Dispute) -> None:
    dispute = Dispute.objects.select_related("order__policy_version").get(pk=dispute.pk)
    assert run_checks().problems == []
    if dispute.status != Dispute.Status.RESOLVED:
        assert ledger.escrow_balance(dispute.order_id) == dispute.order.total.amount  # nothing moved
        return
    amounts = settlement_amounts(dispute)
    assert ledger.escrow_balance(dispute.order_id) == 0
    if amounts["seller_payout"] > 0 or amounts["buyer_refund"] < dispute.order.price_amount:
        assert delivered_in_fact(dispute, dispute.findings), f"paid for nothing ({dispute.decided_by})"
    if dispute.decided_by in ("timeout", "forfeit") and amounts["buyer_refund"] > 0:
        assert amounts["buyer_refund"] <= most_asked(dispute), "an automatic outcome gave more than was asked"


@pytest.mark.django_db
@pytest.mark.parametrize("delivered", [True, False], ids=["delivered", "undelivered"])
@pytest.mark.parametrize("path", PATHS)
def test_no_path_pays_for_nothing_or_gives_more_than_asked(tmp_path, path, delivered):
    silence = tmp_path / "silence.toml"
    silence.write_text('extends = "standard"\nseller_silence_action = "refund_buyer"\n')
    start = clock.now()

    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
    )
    @given(**CASES)
    def example(**drawn: Any) -> None:
        case = {**drawn, "path": path, "delivered": delivered}
        atomic = transaction.atomic()
        atomic.__enter__()
        clock.freeze_test_clock(start)
        policy = override_settings(POLICY=str(silence) if case["path"] == "silence" else "standard")
        policy.enable()
        active.configured_policy.cache_clear()
        try:
            buyer = User.objects.create_user(username="p-buyer", password="x" * 12)
            seller = User.objects.create_user(username="p-seller", password="x" * 12)
            staff = User.objects.create_user(username="p-staff", password="x" * 12, is_staff=True)
            factories.fund(buyer, case["price"] * 2 + 1000)
            order = factories.paid_order(buyer, seller, price=case["price"], kind=case["kind"], fund_buyer=False)
            if case["delivered"]:
                order_actions.deliver(order_id=order.pk, by=seller, note="KEY")
            deadlines.advance(seconds=15 * 60)
            refund = max(1, int(case["price"] * case["refund_share"])) if case["request"] == "partial_refund" else None
            dispute = attempt(
                lambda: factories.open_dispute(order, reason="defective", kind=case["request"], refund_amount=refund)
            )
            if dispute is None:  # a request the rules refuse at opening (a return of nothing, say)
                return
            run_path(Dispute.objects.select_related("order__buyer", "order__seller").get(pk=dispute.pk), case, staff)
            check(dispute)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            policy.disable()
            active.configured_policy.cache_clear()

    example()
