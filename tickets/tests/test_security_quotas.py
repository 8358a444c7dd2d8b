"""Finding: ticket attachments had no quota (50 PDFs of 4.9 MB stored in 2 s). A ticket holds at
most `TICKET_ATTACHMENTS_PER_TICKET` files and `TICKET_ATTACHMENT_BYTES_PER_TICKET` bytes; a
user attaches at most `ATTACHMENT_FILES_PER_USER_DAY` files and
`ATTACHMENT_BYTES_PER_USER_DAY` bytes in 24 hours. Past a quota the message is refused with
422 `attachment_quota` and nothing is stored."""

from __future__ import annotations

import pytest

from core.errors import ValidationFailed
from tickets import actions
from tickets.models import TicketAttachment, TicketMessage
from tickets.tests.samples import PDF, pdf


@pytest.fixture
def owner(make_user):
    return make_user("owner")


def _open(owner, files=()):
    return actions.open_ticket(by=owner, subject="Files", category="technical", body="See.", files=list(files))


def test_a_ticket_holds_a_limited_number_of_files(owner, settings):
    settings.TICKET_ATTACHMENTS_PER_TICKET = 4
    ticket = _open(owner, [pdf() for _ in range(3)])
    with pytest.raises(ValidationFailed) as refused:
        actions.reply(ticket_id=ticket.pk, by=owner, body="More.", files=[pdf(), pdf()])
    assert refused.value.code == "attachment_quota"
    assert "attachments" in refused.value.fields
    assert TicketAttachment.objects.count() == 3
    assert TicketMessage.objects.filter(ticket=ticket).count() == 1
    actions.reply(ticket_id=ticket.pk, by=owner, body="One more.", files=[pdf()])
    assert TicketAttachment.objects.count() == 4


def test_a_ticket_holds_a_limited_number_of_bytes(owner, settings):
    settings.TICKET_ATTACHMENT_BYTES_PER_TICKET = len(PDF) * 2
    ticket = _open(owner, [pdf(), pdf()])
    with pytest.raises(ValidationFailed) as refused:
        actions.reply(ticket_id=ticket.pk, by=owner, body="More.", files=[pdf()])
    assert refused.value.code == "attachment_quota"


def test_a_user_attaches_a_limited_amount_per_day(owner, settings, tclock):
    settings.ATTACHMENT_FILES_PER_USER_DAY = 3
    _open(owner, [pdf(), pdf()])
    second = _open(owner, [pdf()])
    with pytest.raises(ValidationFailed) as refused:
        _open(owner, [pdf()])
    assert refused.value.code == "attachment_quota"
    assert "24 hours" in refused.value.detail
    tclock.advance(hours=25)
    actions.reply(ticket_id=second.pk, by=owner, body="Next day.", files=[pdf()])
    assert TicketAttachment.objects.count() == 4


def test_bytes_per_user_per_day_are_limited(owner, settings):
    settings.ATTACHMENT_BYTES_PER_USER_DAY = len(PDF) * 2
    _open(owner, [pdf(), pdf()])
    with pytest.raises(ValidationFailed):
        _open(owner, [pdf()])
    assert TicketAttachment.objects.count() == 2


def test_the_api_answers_422_attachment_quota(api, owner, settings):
    settings.TICKET_ATTACHMENTS_PER_TICKET = 1
    ticket = _open(owner, [pdf()])
    client = api(owner)
    answer = client.client.post(
        f"/api/v1/tickets/{ticket.public_id}/replies/with-files",
        {"body": "Another.", "files": [pdf()]},
        headers=client._headers(None),
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "attachment_quota"
    assert TicketAttachment.objects.count() == 1
