"""Dispute and ticket e-mails name the item and the other side from the case the action holds
(`notify(about=...)`), as orders' do, instead of reading the case again from the link; and an
e-mail that names a case's state says it as the case's read model does."""

from __future__ import annotations

from typing import Any

import pytest

from disputes import actions as disputes
from disputes import appeals, mediation
from disputes.models import Dispute
from disputes.read_model import case_view
from disputes.tests.support import bring_to_administration
from notifications import mail
from notifications.models import OutboundEmail
from ops.worker import Worker
from policy.rules import Split
from testsupport import factories
from tickets import actions as tickets


@pytest.fixture
def no_second_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(link: str) -> Any:
        raise AssertionError(f"the e-mail read its case again from {link}")

    monkeypatch.setattr(mail, "subject_of", refuse)


def test_dispute_mail_names_the_case_in_hand(make_user: Any, tclock: Any, no_second_read: None) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    staff, other = make_user("mediator", staff=True), make_user("second", staff=True)
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, kind="full_refund")
    proposal = disputes.propose(dispute_id=dispute.pk, by=seller, kind="partial_refund", refund_amount=30_00)
    disputes.reject_proposal(proposal_id=proposal.pk, by=buyer)
    tclock.advance(hours=30)
    disputes.escalate(dispute_id=dispute.pk, by=buyer)
    mediation.assign(dispute_id=dispute.pk, by=staff, assignee=other.username)
    mediation.request_info(dispute_id=dispute.pk, by=staff, party="seller", question="Which region?")

    to_seller = OutboundEmail.objects.filter(to=seller.email, notification__code="dispute.info_requested").get()
    assert "Game key" in to_seller.body and "anna" in to_seller.body  # the item, and the buyer to the seller
    to_mediator = OutboundEmail.objects.filter(to=other.email, notification__code="dispute.assigned").get()
    assert "anna and boris" in to_mediator.body


def test_ticket_mail_names_the_ticket_in_hand(make_user: Any, no_second_read: None) -> None:
    owner, staff = make_user("anna"), make_user("agent", staff=True)
    ticket = tickets.open_ticket(by=owner, subject="Cannot log in", category="account", body="Help, please.")
    tickets.reply(ticket_id=ticket.pk, by=staff, body="Try again now.")
    tickets.reply(ticket_id=ticket.pk, by=owner, body="It works, thanks.")
    tickets.resolve(ticket_id=ticket.pk, by=staff)

    (answered,) = OutboundEmail.objects.filter(to=owner.email, notification__code="ticket.answered")
    assert "Cannot log in" in answered.subject and "Parley support" in answered.body


@pytest.mark.parametrize("preset", ["difmark"], indirect=True)
def test_the_escalation_mail_names_the_state_as_the_read_model_does(preset: str, make_user: Any, tclock: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    order = factories.delivered_order(buyer, seller, price=100_00)
    dispute = factories.open_dispute(order, kind="full_refund")
    tclock.advance(days=3)
    Worker().tick()  # it escalates by itself
    escalated = Dispute.objects.get(pk=dispute.pk)

    label = case_view(escalated, viewer=seller, now=tclock.now()).status_label
    assert label != "Escalated"  # the marketplace's own name for it
    email = OutboundEmail.objects.get(to=seller.email, notification__code="dispute.escalated")
    assert label in email.subject


def test_the_decision_and_resolution_mails_state_the_read_models_amounts(make_user: Any, tclock: Any) -> None:
    buyer, seller, staff = make_user("anna"), make_user("boris"), make_user("mediator", staff=True)
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, kind="full_refund"), tclock)
    decided = mediation.decide(
        dispute_id=dispute.pk, by=staff, outcome="partial_refund", refund_amount=40_00, note="Half was missing."
    )

    def amounts_in(code: str, split: Split) -> None:
        email = OutboundEmail.objects.get(to=buyer.email, notification__code=code)
        assert f"{split.to_buyer} to the buyer, {split.seller_payout} to the seller" in email.body

    pending = case_view(decided, viewer=buyer, now=tclock.now()).resolution
    assert pending is not None and not pending.final
    amounts_in("dispute.decided", pending.split)

    appeals.accept_decision(dispute_id=dispute.pk, by=buyer)
    appeals.accept_decision(dispute_id=dispute.pk, by=seller)
    resolved = Dispute.objects.select_related("order").get(pk=dispute.pk)
    final = case_view(resolved, viewer=buyer, now=tclock.now()).resolution
    assert final is not None and final.final and final.split == pending.split
    amounts_in("dispute.resolved", final.split)


def test_the_resolution_mail_says_the_outcome_and_who_decided_in_words_each_reader_reads(
    make_user: Any, tclock: Any
) -> None:
    buyer, seller, staff = make_user("anna"), make_user("boris"), make_user("mediator", staff=True)
    seller.language = "ru"
    seller.save(update_fields=["language"])
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, kind="full_refund"), tclock)
    mediation.decide(dispute_id=dispute.pk, by=staff, outcome="partial_refund", refund_amount=40_00, note="Half.")
    appeals.accept_decision(dispute_id=dispute.pk, by=buyer)
    appeals.accept_decision(dispute_id=dispute.pk, by=seller)

    to_buyer = OutboundEmail.objects.get(to=buyer.email, notification__code="dispute.resolved")
    assert "Outcome: partial refund (by the administration)." in to_buyer.body
    to_seller = OutboundEmail.objects.get(to=seller.email, notification__code="dispute.resolved")
    assert "administrator" not in to_seller.body and "partial refund" not in to_seller.body
    assert "администрац" in to_seller.body
