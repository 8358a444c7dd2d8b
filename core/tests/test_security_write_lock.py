"""Finding: SQLite held its write lock for a whole request, image re-encoding included, and a
busy database answered 500. Uploads are decoded, re-encoded and hashed before the request's
transaction opens; a database still busy after the wait answers 503 with `Retry-After`."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from PIL import Image

from core import files
from tickets import actions as tickets
from tickets.models import TicketAttachment

PASSWORD = "correct-horse-battery"


def _webp(name: str = "shot.webp") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "teal").save(buffer, format="WEBP")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/webp")


def _pdf(name: str = "r.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n", content_type="application/pdf")


@pytest.fixture
def watch(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Records, each time an upload is re-encoded or hashed, whether a transaction was open and
    (on SQLite) whether another connection could take the write lock at that moment."""
    seen: list[dict[str, Any]] = []

    def observe(step: str) -> None:
        free = None
        if connection.vendor == "sqlite":
            other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                free = True
            except sqlite3.OperationalError:
                free = False
            finally:
                other.close()
        seen.append({"step": step, "in_transaction": connection.in_atomic_block, "writable": free})

    reencode, digest = files._reencode, files._digest

    def spy_reencode(image: Any, kind: str) -> bytes:
        observe("reencode")
        return reencode(image, kind)

    def spy_digest(data: bytes) -> str:
        observe("hash")
        return digest(data)

    monkeypatch.setattr(files, "_reencode", spy_reencode)
    monkeypatch.setattr(files, "_digest", spy_digest)
    return seen


@pytest.mark.django_db(transaction=True)
def test_ticket_files_are_re_encoded_and_hashed_before_the_transaction_opens(make_user, watch, api):
    owner = make_user("owner")
    ticket = tickets.open_ticket(by=owner, subject="Broken", category="technical", body="It broke.")
    watch.clear()
    client = api(owner)
    response = client.client.post(
        f"/api/v1/tickets/{ticket.public_id}/replies/with-files",
        {"body": "See the screenshots.", "files": [_webp("a.webp"), _webp("b.webp"), _pdf()]},
        headers=client._headers(None),
    )
    assert response.status_code == 201, response.content
    assert TicketAttachment.objects.count() == 3
    assert {s["step"] for s in watch} == {"reencode", "hash"}
    assert not [s for s in watch if s["in_transaction"]], watch
    assert not [s for s in watch if s["writable"] is False], watch


@pytest.mark.django_db(transaction=True)
def test_web_ticket_files_are_re_encoded_before_the_transaction_opens(make_user, watch):
    owner = make_user("owner")
    ticket = tickets.open_ticket(by=owner, subject="Broken", category="technical", body="It broke.")
    watch.clear()
    web = Client()
    web.login(username="owner", password=PASSWORD)
    web.post(f"/tickets/{ticket.public_id}/reply/", {"body": "Here.", "attachments": [_webp()]})
    assert TicketAttachment.objects.count() == 1
    assert watch and not [s for s in watch if s["in_transaction"]], watch


@pytest.mark.django_db(transaction=True)
def test_dispute_evidence_is_re_encoded_and_hashed_before_the_transaction_opens(make_user, watch, api, tclock):
    from testsupport import factories

    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    watch.clear()
    client = api(buyer)
    response = client.client.post(
        f"/api/v1/disputes/{dispute.public_id}/evidence", {"file": _webp()}, headers=client._headers(None)
    )
    assert response.status_code == 201, response.content
    assert {s["step"] for s in watch} == {"reencode", "hash"}
    assert not [s for s in watch if s["in_transaction"] or s["writable"] is False], watch


def test_a_prepared_upload_is_still_checked_against_its_own_limits():
    """The early pass runs with the largest limits; each kind of upload keeps its own."""
    upload = _webp()
    files.prepare(upload)
    with pytest.raises(files.FileRefused, match="only images"):
        files.check(upload, max_bytes=10_000_000, max_pixels=40_000_000, image_formats=frozenset({"PNG"}))
    with pytest.raises(files.FileRefused, match="too many pixels"):
        files.check(upload, max_bytes=10_000_000, max_pixels=100, image_formats=frozenset({"WEBP"}))
    with pytest.raises(files.FileRefused, match="larger than"):
        files.check(upload, max_bytes=10, max_pixels=40_000_000, image_formats=frozenset({"WEBP"}))
    checked = files.check(upload, max_bytes=10_000_000, max_pixels=40_000_000, image_formats=frozenset({"WEBP"}))
    assert checked.content_type == "image/webp" and (checked.width, checked.height) == (300, 200)


@pytest.fixture
def impatient_sqlite() -> Iterator[None]:
    """The database gives up on a held write lock at once instead of after 30 s."""
    options = connection.settings_dict.setdefault("OPTIONS", {})
    before = options.get("timeout")
    connection.close()
    options["timeout"] = 0.05
    yield
    connection.close()
    options["timeout"] = before


@pytest.mark.django_db(transaction=True)
def test_a_busy_sqlite_database_answers_503_with_retry_after(make_user, api, impatient_sqlite):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single writer lock")
    owner = make_user("owner")
    client = api(owner)
    web = Client()
    web.login(username="owner", password=PASSWORD)
    holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    holder.execute("BEGIN IMMEDIATE")
    try:
        busy = client.post("/tickets", {"subject": "Hi", "category": "technical", "body": "Hello."})
        page = web.post("/tickets/new/", {"subject": "Hi", "category": "technical", "body": "Hello."})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert busy.status_code == 503, busy.content
    assert busy["Content-Type"] == "application/problem+json"
    assert busy.json()["code"] == "database_busy"
    assert int(busy["Retry-After"]) >= 1
    assert page.status_code == 503
    assert int(page["Retry-After"]) >= 1
    assert client.post("/tickets", {"subject": "Hi", "category": "technical", "body": "Hello."}).status_code == 201
