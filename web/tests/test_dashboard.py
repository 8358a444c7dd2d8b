"""The dashboard's dispute rows are the cases' read models (`case_summaries`): the status as the
marketplace names it, whose move it is and the next deadline, for the viewer."""

from __future__ import annotations

from typing import Any

import pytest

from disputes import mediation
from disputes.models import Dispute
from disputes.read_model import case_summaries
from ops.worker import Worker
from testsupport import factories
from tickets import actions as tickets
from tickets import queries as ticket_queries
from web import lists


@pytest.mark.parametrize("preset", ["difmark"], indirect=True)
def test_an_escalated_dispute_waiting_on_the_seller_reads_as_the_policy_names_it(
    preset: str, make_user: Any, tclock: Any, client: Any
) -> None:
    buyer, seller, staff = make_user("anna"), make_user("boris"), make_user("mediator", staff=True)
    order = factories.delivered_order(buyer, seller, price=100_00)
    dispute = factories.open_dispute(order, kind="full_refund")
    tclock.advance(days=3)
    Worker().tick()  # it escalates by itself
    mediation.request_info(dispute_id=dispute.pk, by=staff, party="seller", question="Which region?")
    dispute = Dispute.objects.select_related("order__buyer", "order__seller").get(pk=dispute.pk)
    (case,) = case_summaries([dispute], viewer=seller, now=tclock.now())

    (row,) = [w for w in lists.waiting_for(seller) if w.kind == "dispute"]

    assert dispute.status == Dispute.Status.ESCALATED and "seller" in case.waiting_on
    assert row.status == case.status_label != dispute.get_status_display()
    assert row.step is not None and row.step.mine and row.step == lists.case_step(case, seller)
    assert row.counterpart == "anna" and row.url == f"/disputes/{dispute.public_id}/"
    client.force_login(seller)
    assert case.status_label in client.get("/").content.decode()


def test_a_dispute_waiting_on_the_other_side_is_not_on_my_dashboard(make_user: Any, tclock: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    factories.open_dispute(order, kind="full_refund")  # the seller's response is due

    assert [w.kind for w in lists.waiting_for(buyer)] == []
    assert [w.kind for w in lists.waiting_for(seller)] == ["dispute"]


def test_an_answered_ticket_waits_for_its_owner_until_it_resolves_by_itself(make_user: Any, tclock: Any) -> None:
    owner, agent = make_user("anna"), make_user("agent", staff=True)
    ticket = tickets.open_ticket(by=owner, subject="Locked out", category="account", body="Help.")
    assert lists.ticket_steps([ticket], agent)[ticket.pk] == lists.NextStep(
        at=ticket.first_response_due, who="The administration", mine=False, consequence="an answer is due"
    )
    tickets.reply(ticket_id=ticket.pk, by=agent, body="Try again now.")
    ticket.refresh_from_db()

    (row,) = [w for w in lists.waiting_for(owner) if w.kind == "ticket"]
    view = ticket_queries.ticket_view(ticket, viewer=owner, now=tclock.now())
    assert view.waiting_on == "owner"
    assert row.step == lists.ticket_step(view, owner) and row.step is not None
    assert (row.step.at, row.step.mine) == (ticket.autoclose_at, True)
    assert row.url == f"/tickets/{ticket.public_id}/"


def test_the_dashboard_limit_counts_only_disputes_waiting_on_me(
    make_user: Any, tclock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limit was applied before the "is it my move" check, so a seller whose first cases
    # waited on buyers never saw a later one that waited on them.
    monkeypatch.setattr(lists, "DASHBOARD_LIMIT", 2)
    buyer, seller = make_user("anna"), make_user("boris")
    opened = []
    for _ in range(3):
        order = factories.delivered_order(buyer, seller, price=10_00)
        tclock.advance(minutes=15)
        opened.append(factories.open_dispute(order, kind="full_refund"))
    Dispute.objects.filter(pk__in=[d.pk for d in opened[:2]]).update(waiting_on_seller=False, waiting_on_buyer=True)

    rows = [w for w in lists.waiting_for(seller) if w.kind == "dispute"]

    assert [r.url for r in rows] == [f"/disputes/{opened[2].public_id}/"]
