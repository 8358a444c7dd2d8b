from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import NotFound, ValidationFailed
from tickets import actions, queries
from tickets.attachments import MAX_BYTES, MAX_FILES, safe_name
from tickets.models import Ticket, TicketAttachment
from tickets.tests.samples import PDF, pdf, png


@pytest.fixture
def people(make_user):
    return make_user("owner"), make_user("agent", staff=True)


def open_with(owner, *files):
    return actions.open_ticket(by=owner, subject="See attached", category="technical", body="Look.", files=list(files))


def test_images_and_pdfs_are_stored_under_server_names_with_their_digest(people):
    owner, _ = people
    shot = png("../../etc/Screen shot (1).png")
    ticket = open_with(owner, shot, pdf("invoice.pdf"))

    image, document = TicketAttachment.objects.filter(message__ticket=ticket).order_by("id")
    assert (image.content_type, document.content_type) == ("image/png", "application/pdf")
    assert image.name == "Screen_shot_1.png"
    assert image.file.name == f"tickets/{image.public_id}.png"
    with image.file.open("rb") as stored:
        assert hashlib.sha256(stored.read()).hexdigest() == image.sha256
    assert document.size == len(PDF)


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (SimpleUploadedFile("evil.png", b"<html><script>alert(1)</script>", "image/png"), "only images"),
        (SimpleUploadedFile("empty.pdf", b"", "application/pdf"), "empty"),
        (SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * MAX_BYTES, "application/pdf"), "larger than"),
        (SimpleUploadedFile("cut.png", png().read()[:60], "image/png"), "damaged"),
        (png("huge.png", size=(7000, 7000), mode="1"), "too many pixels"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(people, upload, reason):
    owner, _ = people
    with pytest.raises(ValidationFailed) as exc:
        open_with(owner, upload)
    assert reason in exc.value.fields["attachments"][0]
    assert not Ticket.objects.exists() and not TicketAttachment.objects.exists()


def test_at_most_a_few_files_per_message(people):
    owner, _ = people
    with pytest.raises(ValidationFailed):
        open_with(owner, *[png(f"{n}.png") for n in range(MAX_FILES + 1)])


def test_files_follow_their_messages_visibility(people, make_user):
    owner, agent = people
    ticket = open_with(owner, png())
    note = actions.add_internal_note(ticket_id=ticket.pk, by=agent, body="Their bank statement", files=[png()])
    mine = TicketAttachment.objects.get(message__ticket=ticket, message__internal=False)
    internal = note.attachments.get()

    assert queries.get_attachment_for(owner, ticket.public_id, mine.public_id) == mine
    assert queries.get_attachment_for(agent, ticket.public_id, internal.public_id) == internal
    with pytest.raises(NotFound):
        queries.get_attachment_for(owner, ticket.public_id, internal.public_id)
    with pytest.raises(NotFound):
        queries.get_attachment_for(make_user("stranger"), ticket.public_id, mine.public_id)


def test_names_lose_their_paths_and_odd_characters():
    assert safe_name("C:\\Users\\me\\résumé <1>.pdf") == "résumé_1.pdf"
    assert safe_name("..") == "attachment"
    assert safe_name(None) == "attachment"
