from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from policy.active import configured_policy
from policy.rules import humane
from testsupport import factories
from tickets import actions
from tickets.models import ContactsPage, Ticket, TicketAttachment
from tickets.tests.samples import png

ANSWER_WITHIN = humane(configured_policy().ticket_first_response_target)


@pytest.fixture
def owner(make_user):
    return make_user("alice")


@pytest.fixture
def staff(make_user):
    return make_user("carol", staff=True)


def as_user(client, user):
    client.force_login(user)
    return client


def new_ticket(owner):
    return actions.open_ticket(by=owner, subject="Payout missing", category="payment", body="Two days now.")


def test_the_new_ticket_form_opens_a_ticket_and_promises_the_policys_target(client, owner, make_user):
    order = factories.paid_order(owner, make_user("bob"))
    page = as_user(client, owner).get("/tickets/new/")
    assert f"We usually answer within {ANSWER_WITHIN}" in page.content.decode()
    assert order.public_id in page.content.decode()

    response = client.post(
        "/tickets/new/",
        {"subject": "Key does not work", "category": "order", "order_id": order.public_id, "body": "Help."},
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.public_id}/"
    assert ticket.order == order


def test_a_bad_ticket_form_shows_errors_and_writes_nothing(client, owner):
    response = as_user(client, owner).post("/tickets/new/", {"subject": "", "category": "other", "body": " "})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Ticket.objects.exists()


def test_internal_notes_are_not_on_the_owners_page(client, owner, staff):
    ticket = new_ticket(owner)
    actions.add_internal_note(ticket_id=ticket.pk, by=staff, body="Suspicious account, check logs.")

    owners_page = as_user(client, owner).get(f"/tickets/{ticket.public_id}/").content.decode()
    assert "Suspicious account" not in owners_page
    assert "Add internal note" not in owners_page
    staff_page = as_user(client, staff).get(f"/tickets/{ticket.public_id}/").content.decode()
    assert "Suspicious account" in staff_page and "Internal note" in staff_page


def test_someone_elses_ticket_is_404(client, owner, make_user):
    ticket = new_ticket(owner)
    client = as_user(client, make_user("mallory"))
    assert client.get(f"/tickets/{ticket.public_id}/").status_code == 404
    client.post(f"/tickets/{ticket.public_id}/reply/", {"body": "hi"})
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("path", ["/staff/tickets/", "/contacts/edit/"])
def test_staff_pages_refuse_everyone_else(client, owner, path):
    assert as_user(client, owner).get(path).status_code == 403


def test_non_staff_cannot_assign_or_edit_contacts(client, owner):
    ticket = new_ticket(owner)
    client = as_user(client, owner)
    client.post(f"/tickets/{ticket.public_id}/assign/", {"assignee": "alice"})
    client.post("/contacts/edit/", {"channels": "Mail: x@example.org", "opening_hours": "Never", "intro": ""})
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert not ContactsPage.objects.exists()


def test_staff_queue_marks_breaches_and_take_assigns(client, owner, staff, tclock):
    ticket = new_ticket(owner)
    client = as_user(client, staff)
    assert 'data-testid="breach"' not in client.get("/staff/tickets/").content.decode()

    tclock.advance(seconds=configured_policy().ticket_first_response_target.total_seconds() + 1)
    assert 'data-testid="breach"' in client.get("/staff/tickets/").content.decode()

    client.post(f"/tickets/{ticket.public_id}/assign/", {"assignee": "carol", "next": "/staff/tickets/"})
    ticket.refresh_from_db()
    assert ticket.assignee == staff


def test_contacts_page_asks_for_a_ticket_first(client, db):
    page = client.get("/contacts/").content.decode()
    assert "Daily, around the clock" in page
    assert f'Inquiries are usually answered within <strong data-testid="answer-within">{ANSWER_WITHIN}</strong>' in page
    assert 'href="/tickets/new/"' in page


@pytest.mark.parametrize(("target", "said"), [("90m", "90 minutes"), ("2d", "48 hours"), ("5d", "5 days")])
def test_every_promise_of_an_answer_is_worded_from_the_policy(client, owner, policy_file, target, said):
    policy_file(f'extends = "standard"\nticket_first_response_target = "{target}"\n', "desk")
    contacts = client.get("/contacts/").content.decode()
    client = as_user(client, owner)
    form = client.get("/tickets/new/").content.decode()
    ticket = client.get(f"/tickets/{new_ticket(owner).public_id}/").content.decode()
    assert f'answered within <strong data-testid="answer-within">{said}</strong>' in contacts
    for page in (contacts, form, ticket):
        assert "few hours" not in page and "next day" not in page
    assert f"We usually answer within {said}." in form and f"We usually answer within {said}." in ticket


def test_staff_edit_the_contacts_page(client, staff):
    client = as_user(client, staff)
    response = client.post(
        "/contacts/edit/",
        {"intro": "Hello.", "channels": "E-mail: help@example.org", "opening_hours": "Daily, 24/7"},
    )
    assert response.status_code == 302
    page = client.get("/contacts/").content.decode()
    assert 'href="mailto:help@example.org"' in page and "Daily, 24/7" in page


def test_files_go_up_with_the_form_and_down_only_to_those_who_may_see_them(client, owner, make_user):
    client = as_user(client, owner)
    client.post(
        "/tickets/new/",
        {
            "subject": "Broken page",
            "category": "technical",
            "body": "See screenshot.",
            "attachments": [png()],
        },
    )
    ticket = Ticket.objects.get()
    attachment = TicketAttachment.objects.get()
    link = f"/tickets/{ticket.public_id}/files/{attachment.public_id}/"
    assert link in client.get(f"/tickets/{ticket.public_id}/").content.decode()

    download = client.get(link)
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert as_user(client, make_user("mallory")).get(link).status_code == 404


def test_a_refused_file_keeps_the_ticket_form_with_the_reason(client, owner):
    fake = SimpleUploadedFile("fake.png", b"GIF89a but not really", content_type="image/png")
    response = as_user(client, owner).post(
        "/tickets/new/", {"subject": "x", "category": "other", "body": "y", "attachments": [fake]}
    )
    assert response.status_code == 200
    assert "fake.png: only images" in response.content.decode()
    assert not Ticket.objects.exists()


def test_staff_see_the_target_for_answering_a_reply_and_its_breach(client, owner, staff, tclock):
    target = configured_policy().ticket_first_response_target
    ticket = new_ticket(owner)
    actions.reply(ticket_id=ticket.pk, by=staff, body="Which wallet?")
    actions.reply(ticket_id=ticket.pk, by=owner, body="EUR.")
    client = as_user(client, staff)
    page = client.get(f"/tickets/{ticket.public_id}/").content.decode()
    assert 'data-testid="reply-target"' in page and 'data-testid="breach"' not in page
    assert 'data-testid="breach"' not in client.get("/staff/tickets/").content.decode()

    tclock.advance(seconds=target.total_seconds() + 1)
    page = client.get(f"/tickets/{ticket.public_id}/").content.decode()
    assert "Answer overdue" in page and "The target for answering again passed" in page
    assert 'data-testid="breach"' in client.get("/staff/tickets/").content.decode()
    owners_page = as_user(client, owner).get(f"/tickets/{ticket.public_id}/").content.decode()
    assert 'data-testid="breach"' not in owners_page and "taking longer than usual" in owners_page
