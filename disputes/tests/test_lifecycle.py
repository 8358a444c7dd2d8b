from __future__ import annotations

import pytest

from core.errors import Conflict, Forbidden, ValidationFailed
from core.models import AuditEvent, Deadline
from disputes import actions, mediation
from disputes.models import Dispute, InfoRequest, Proposal
from disputes.tests.support import decide_now
from ledger import queries as ledger
from notifications.models import Notification
from orders.models import Order
from testsupport import factories


@pytest.fixture
def people(make_user):
    return make_user("buyer"), make_user("seller"), make_user("mediator", staff=True)


@pytest.fixture
def order(people, tclock):
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    return order


def balance(user):
    return ledger.wallet_balance(user, "USD").amount


def test_opening_freezes_escrow_and_stops_auto_completion(order, people, tclock):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)

    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED
    assert dispute.status == Dispute.Status.AWAITING_SELLER
    assert ledger.escrow_balance(order.pk) == 105_00
    first = dispute.proposals.get()
    assert first.kind == "full_refund" and first.author_role == "buyer"
    tclock.advance(hours=100)  # past the guarantee window: nothing completes by itself
    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED
    assert Notification.objects.filter(user=seller, code="dispute.opened").exists()


def test_seller_proceeds_to_return_by_accepting_the_request(order, people):
    buyer, seller, _ = people
    before = balance(buyer)
    dispute = factories.open_dispute(order, kind="return_and_refund", reason="defective")
    request = dispute.proposals.get()

    actions.accept_proposal(proposal_id=request.pk, by=seller)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.AWAITING_RETURN
    assert dispute.return_keep_percent == 0

    actions.mark_returned(dispute_id=dispute.pk, by=buyer)
    actions.confirm_return(dispute_id=dispute.pk, by=seller)
    dispute.refresh_from_db()
    order.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED
    assert dispute.decided_by == "agreement"
    assert order.status == Order.Status.REFUNDED
    assert balance(buyer) - before == 105_00


def test_partial_refund_agreement_splits_fee_in_proportion(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    proposal = actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=30_00)
    assert Proposal.objects.get(pk=dispute.proposals.first().pk).status == "open"  # buyer's request still stands

    actions.accept_proposal(proposal_id=proposal.pk, by=buyer)

    order.refresh_from_db()
    dispute.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_REFUNDED
    assert dispute.settlement["buyer_refund"]["amount"] == 30_00
    assert dispute.settlement["fee_refund"]["amount"] == 1_50
    assert dispute.settlement["seller_payout"]["amount"] == 70_00
    assert dispute.settlement["platform_fee"]["amount"] == 3_50
    assert balance(seller) == 70_00


def test_a_new_proposal_replaces_the_authors_earlier_one(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    first = actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=10_00)
    second = actions.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=20_00)
    first.refresh_from_db()
    assert first.status == Proposal.Status.SUPERSEDED
    assert second.status == Proposal.Status.OPEN
    with pytest.raises(Conflict):
        actions.accept_proposal(proposal_id=first.pk, by=buyer)


def test_nobody_accepts_their_own_proposal(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    with pytest.raises(Forbidden):
        actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=buyer)


def test_replacement_then_confirmation_completes_and_pays_the_seller(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="replacement")
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    actions.redeliver(dispute_id=dispute.pk, by=seller, note="NEW-KEY-42")
    actions.confirm_redelivery(dispute_id=dispute.pk, by=buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    assert balance(seller) == 100_00


def test_buyer_withdrawal_releases_the_money_at_once(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order)
    actions.propose(dispute_id=dispute.pk, by=buyer, kind="withdraw")
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED
    assert dispute.decided_by == "withdrawal"
    assert balance(seller) == 100_00


def test_seller_cannot_withdraw_the_buyers_dispute(order, people):
    _, seller, _ = people
    dispute = factories.open_dispute(order)
    with pytest.raises(Forbidden) as exc:  # 403, like every other "not yours to do"
        actions.propose(dispute_id=dispute.pk, by=seller, kind="withdraw")
    assert exc.value.code == "forbidden"


def test_seller_silence_escalates_under_standard(order, people, tclock):
    dispute = factories.open_dispute(order)
    tclock.advance(hours=48, seconds=-1)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.AWAITING_SELLER
    tclock.advance(seconds=1)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ESCALATED
    assert dispute.escalated_by == "system"
    event = AuditEvent.objects.get(code="dispute.escalated", subject_id=dispute.pk)
    assert event.rule == "seller_response_due"


def test_escalation_too_early_then_allowed(order, people, tclock):
    buyer, _, _ = people
    dispute = factories.open_dispute(order)
    tclock.advance(hours=24, seconds=-1)
    with pytest.raises(Conflict) as exc:
        actions.escalate(dispute_id=dispute.pk, by=buyer)
    assert exc.value.code == "escalation_too_early"
    assert exc.value.available_at == dispute.opened_at + __import__("datetime").timedelta(hours=24)
    tclock.advance(seconds=1)
    actions.escalate(dispute_id=dispute.pk, by=buyer)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ESCALATED


def test_info_request_unanswered_by_buyer_forfeits_to_the_seller(order, people, tclock):
    buyer, seller, staff = people
    dispute = factories.open_dispute(order)
    tclock.advance(hours=48)  # seller silent: escalated
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Screenshot, please?")
    tclock.advance(days=7, seconds=-1)
    request.refresh_from_db()
    assert request.status == InfoRequest.Status.OPEN
    tclock.advance(seconds=1)
    request.refresh_from_db()
    dispute.refresh_from_db()
    assert request.status == InfoRequest.Status.FORFEITED
    assert dispute.decided_by == "forfeit"
    assert balance(seller) == 100_00
    for user, words in ((buyer, "the claim is closed and the seller is paid"), (seller, "the seller is paid")):
        (told,) = Notification.objects.filter(user=user, code="dispute.info_forfeited")
        assert "the buyer did not answer the administration in time" in told.title and words in told.body


def test_the_answer_reaches_who_asked_and_who_has_the_case(order, people, tclock, make_user):
    buyer, seller, asker = people
    holder = make_user("holder", staff=True)
    dispute = factories.open_dispute(order)
    tclock.advance(hours=48)  # seller silent: escalated
    mediation.assign(dispute_id=dispute.pk, by=asker, assignee="holder")
    assert Notification.objects.filter(user=holder, code="dispute.assigned").count() == 1
    mediation.assign(dispute_id=dispute.pk, by=holder, assignee="holder")  # taking it oneself tells nobody
    assert Notification.objects.filter(code="dispute.assigned").count() == 1
    request = mediation.request_info(dispute_id=dispute.pk, by=asker, party="seller", question="Logs?")

    mediation.answer_info(request_id=request.pk, by=seller, body="Attached.")

    told = Notification.objects.filter(code="dispute.info_answered")
    assert sorted(n.user.username for n in told) == ["holder", "mediator"]


def test_staff_decides_a_partial_refund(order, people, tclock):
    buyer, seller, staff = people
    dispute = factories.open_dispute(order)
    tclock.advance(hours=48)
    effect, split = mediation.preview_decision(
        dispute=Dispute.objects.get(pk=dispute.pk), by=staff, outcome="partial_refund", refund_amount=30_00
    )
    assert effect.buyer_refund == 30_00
    assert split.seller_payout.amount == 70_00
    decide_now(
        dispute_id=dispute.pk,
        by=staff,
        outcome="partial_refund",
        refund_amount=30_00,
        note="The key worked for 70 % of the content.",
    )
    dispute.refresh_from_db()
    assert dispute.decided_by == "administrator"
    assert dispute.decided_by_user == staff
    assert balance(seller) == 70_00


def test_completed_service_refund_needs_a_seller_error(people, tclock):
    buyer, seller, staff = people
    order = factories.delivered_order(buyer, seller, kind="service")
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="incomplete")
    tclock.advance(hours=48)
    with pytest.raises(Conflict) as exc:
        decide_now(dispute_id=dispute.pk, by=staff, outcome="full_refund", note="Refund.")
    assert exc.value.code == "seller_error_required"
    decide_now(
        dispute_id=dispute.pk,
        by=staff,
        outcome="full_refund",
        note="Booster never played.",
        seller_error=True,
    )
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.RESOLVED


def test_return_keep_share_is_capped_and_zero_for_defective(order, people):
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, reason="incorrect")
    with pytest.raises(ValidationFailed):
        actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=51)
    actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=50)


def test_defective_returns_keep_nothing(people, tclock):
    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="defective")
    with pytest.raises(ValidationFailed) as exc:
        actions.propose(dispute_id=dispute.pk, by=seller, kind="return_and_refund", seller_keep_percent=10)
    assert exc.value.code == "keep_not_allowed"


def test_dispute_deadlines_describe_who_and_what(order, people):
    from disputes.queries import deadlines_of

    dispute = factories.open_dispute(order)
    views = {
        v.name: v
        for v in deadlines_of(
            Dispute.objects.select_related("order__buyer", "order__seller", "order__policy_version").get(pk=dispute.pk)
        )
    }
    assert views["seller_response"].party == "seller"
    assert "administration" in views["seller_response"].consequence
    assert "auto_escalate" in views
    assert Deadline.objects.filter(kind="dispute.seller_response.reminder", status="pending").count() == 1
