"""Every item of the staff queue links to the page its work is done on, built from the URL
names (a dispute's and a question's to the staff case page, a ticket's to the ticket)."""

from __future__ import annotations

from typing import Any

from django.urls import resolve

from core import clock
from desk import queries as inbox
from disputes import mediation
from disputes.tests.support import bring_to_administration
from testsupport import factories
from tickets import actions as tickets


def test_each_item_links_to_its_page(make_user: Any, tclock: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    agent, owner = make_user("agent", staff=True), make_user("owner")
    orders = [factories.delivered_order(buyer, seller, price=100_00) for _ in range(2)]
    tclock.advance(minutes=15)
    dispute, asked = (bring_to_administration(factories.open_dispute(o, kind="full_refund"), tclock) for o in orders)
    mediation.request_info(dispute_id=asked.pk, by=agent, party="seller", question="Which region?")
    ticket = tickets.open_ticket(by=owner, subject="Locked out", category="account", body="Help.")

    found = inbox.page(inbox.Filters(viewer=agent), now=clock.now()).items
    pages = {(item.kind, resolve(item.link).url_name, resolve(item.link).kwargs["public_id"]) for item in found}
    assert pages == {
        ("dispute", "staff_case", dispute.public_id),
        ("info_request", "staff_case", asked.public_id),
        ("ticket", "ticket", ticket.public_id),
    }
