"""Django admin shows tickets, their messages and the contacts page to staff, read-only: a
ticket changes only through the actions (the pages and the API)."""

from __future__ import annotations

import pytest

from tickets import actions, contacts

PAGES = ("ticket", "ticketmessage", "contactspage")


@pytest.fixture
def ticket(make_user):
    owner, staff = make_user("owner"), make_user("agent", staff=True)
    ticket = actions.open_ticket(by=owner, subject="Refund?", category="payment", body="Where is it?")
    actions.add_internal_note(ticket_id=ticket.pk, by=staff, body="Check the ledger.")
    contacts.update_contacts(by=staff, channels="Mail: help@example.org", opening_hours="Daily", intro="")
    return ticket


@pytest.mark.parametrize("model", PAGES)
def test_staff_see_the_rows_but_cannot_add_change_or_delete_them(client, ticket, model):
    client.force_login(ticket.messages.get(internal=True).author)
    listing = client.get(f"/django-admin/tickets/{model}/")
    assert listing.status_code == 200
    assert client.get(f"/django-admin/tickets/{model}/add/").status_code == 403
    pk = {"ticket": ticket.pk, "ticketmessage": ticket.messages.first().pk, "contactspage": 1}[model]
    shown = client.get(f"/django-admin/tickets/{model}/{pk}/change/")
    assert shown.status_code == 200 and 'name="_save"' not in shown.content.decode()
    assert client.post(f"/django-admin/tickets/{model}/{pk}/change/", {}).status_code == 403
    assert client.post(f"/django-admin/tickets/{model}/{pk}/delete/", {"post": "yes"}).status_code == 403


def test_the_ticket_list_names_owner_and_status(client, ticket):
    client.force_login(ticket.messages.get(internal=True).author)
    page = client.get("/django-admin/tickets/ticket/").content.decode()
    assert ticket.public_id in page and "owner" in page and "Open" in page


def test_non_staff_are_sent_to_log_in(client, ticket):
    client.force_login(ticket.owner)
    assert client.get("/django-admin/tickets/ticket/").status_code == 302
