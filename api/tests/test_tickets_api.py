from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import get_args

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.routers.tickets import TicketCategory
from core.models import AuditEvent
from notifications.models import Notification
from policy.active import configured_policy
from testsupport import factories
from tickets.models import Ticket, TicketAttachment, TicketMessage
from tickets.tests.samples import PDF, pdf, png

NEW = {"subject": "Where is my payout?", "category": "payment", "body": "It has been two days."}


@pytest.fixture
def owner(make_user):
    return make_user("alice")


@pytest.fixture
def staff(make_user):
    return make_user("carol", staff=True)


def opened(api, user, **changes):
    response = api(user).post("/tickets", NEW | changes)
    assert response.status_code == 201, response.json()
    return response.json()


def test_open_answer_reopen_by_reply_resolve(api, owner, staff, tclock):
    ticket = opened(api, owner)
    assert ticket["id"].startswith("tkt_")
    assert ticket["status"] == "open" and ticket["order_id"] is None and ticket["assignee"] is None
    due = datetime.fromisoformat(ticket["first_response_due"])
    assert due == tclock.now() + configured_policy().ticket_first_response_target
    assert ticket["first_responded_at"] is None and ticket["resolved_at"] is None
    [message] = ticket["messages"]
    assert message["author"] == "alice" and message["author_role"] == "user"
    assert message["body"] == NEW["body"] and message["id"] and message["created_at"]
    path = f"/tickets/{ticket['id']}"

    answered = api(staff).post(f"{path}/replies", {"body": "Checking now."})
    assert answered.status_code == 201
    assert answered.json()["status"] == "answered" and answered.json()["first_responded_at"]
    assert answered.json()["deadlines"][0]["name"] == "autoclose"

    again = api(owner).post(f"{path}/replies", {"body": "Any news?"})
    assert again.json()["status"] == "open"

    resolved = api(owner).post(f"{path}/resolve")
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert resolved.json()["resolved_at"]
    twice = api(owner).post(f"{path}/resolve")
    assert twice.status_code == 409 and twice.json()["code"] == "not_allowed_in_state"

    reopened = api(staff).post(f"{path}/reopen")
    assert reopened.json()["status"] == "open"


def test_allowed_actions_follow_the_caller(api, owner, staff):
    ticket = opened(api, owner)
    mine = {a["action"]: a["allowed"] for a in ticket["allowed_actions"]}
    assert mine == {"reply": True, "resolve": True, "reopen": False}
    theirs = api(staff).get(f"/tickets/{ticket['id']}").json()["allowed_actions"]
    assert {a["action"] for a in theirs} == {"answer", "note", "resolve", "reopen", "assign", "link_dispute"}


def test_an_answered_ticket_resolves_when_the_test_clock_passes_the_auto_close(api, owner, staff):
    ticket = opened(api, owner)
    api(staff).post(f"/tickets/{ticket['id']}/replies", {"body": "Done, please check."})
    seconds = int(configured_policy().ticket_autoclose_after.total_seconds())

    api(staff).post("/test-clock/advance", {"seconds": seconds - 1})
    assert api(owner).get(f"/tickets/{ticket['id']}").json()["status"] == "answered"
    api(staff).post("/test-clock/advance", {"seconds": 1})

    after = api(owner).get(f"/tickets/{ticket['id']}").json()
    assert after["status"] == "resolved"
    assert after["messages"][-1]["author_role"] == "system"
    assert Notification.objects.filter(user=owner, code="ticket.auto_resolved").exists()


def test_internal_notes_never_reach_the_owner(api, owner, staff):
    ticket = opened(api, owner)
    path = f"/tickets/{ticket['id']}"
    note = api(staff).post(f"{path}/replies", {"body": "Chargeback risk.", "internal": True})
    assert note.status_code == 201 and note.json()["status"] == "open"
    assert note.json()["messages"][-1]["internal"] is True

    seen = api(owner).get(path).json()
    assert "Chargeback risk." not in [m["body"] for m in seen["messages"]]
    refused = api(owner).post(f"{path}/replies", {"body": "Sneaky.", "internal": True})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


def test_someone_elses_ticket_is_not_found(api, owner, make_user):
    ticket = opened(api, owner)
    stranger = api(make_user("mallory"))
    path = f"/tickets/{ticket['id']}"
    for response in (
        stranger.get(path),
        stranger.post(f"{path}/replies", {"body": "Hello"}),
        stranger.post(f"{path}/resolve"),
        stranger.post(f"{path}/assign", {"assignee": "mallory"}),
    ):
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"
    assert stranger.get("/tickets").json()["items"] == []


def test_staff_endpoints_refuse_the_owner(api, owner, staff):
    ticket = opened(api, owner)
    path = f"/tickets/{ticket['id']}"
    for response in (
        api(owner).post(f"{path}/assign", {"assignee": "carol"}),
        api(owner).post(f"{path}/assign", {"assignee": "no-such-user"}),  # tells no staff names
        api(owner).post(f"{path}/link-dispute", {"dispute_id": "dsp_" + "a" * 20}),
    ):
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert Ticket.objects.get().assignee is None


def test_staff_assign_and_link(api, owner, staff):
    ticket = opened(api, owner)
    path = f"/tickets/{ticket['id']}"
    taken = api(staff).post(f"{path}/assign", {"assignee": "carol"})
    assert taken.status_code == 200 and taken.json()["assignee"] == "carol"
    unknown = api(staff).post(f"{path}/assign", {"assignee": "alice"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "validation_error"
    missing = api(staff).post(f"{path}/link-dispute", {"dispute_id": "dsp_" + "c" * 20})
    assert missing.status_code == 422
    dispute = factories.dispute_of(owner)
    linked = api(staff).post(f"{path}/link-dispute", {"dispute_id": dispute.public_id})
    assert linked.json()["linked_dispute"] == dispute.public_id
    assert api(owner).get(path).json()["linked_dispute"] is None  # staff's bookkeeping
    assert api(staff).post(f"{path}/assign", {"assignee": None}).json()["assignee"] is None


@pytest.mark.parametrize(
    "changes",
    [
        {"body": ""},
        {"body": "   "},
        {"subject": "s" * 201},
        {"category": "refund"},
        {"order_id": "ord_notmine"},
    ],
)
def test_invalid_tickets_are_422_problems_that_write_nothing(api, owner, changes):
    response = api(owner).post("/tickets", NEW | changes)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "validation_error"
    assert not Ticket.objects.exists() and not TicketMessage.objects.exists()
    assert not AuditEvent.objects.filter(code__startswith="ticket.").exists()


def test_a_ticket_about_someone_elses_order_is_refused(api, owner, make_user):
    buyer, seller = make_user("bob"), make_user("dave")
    order = factories.paid_order(buyer, seller)
    refused = api(owner).post("/tickets", NEW | {"order_id": order.public_id})
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"order_id"}
    assert not Ticket.objects.exists()

    mine = opened(api, buyer, order_id=order.public_id, category="order")
    assert mine["order_id"] == order.public_id


def test_list_is_paginated_and_filtered(api, owner, staff, tclock):
    first = opened(api, owner, subject="one")
    opened(api, owner, subject="two")
    opened(api, owner, subject="three")
    api(owner).post(f"/tickets/{first['id']}/resolve")

    page = api(owner).get("/tickets", limit=2).json()
    assert [t["subject"] for t in page["items"]] == ["three", "two"] and page["next_cursor"]
    rest = api(owner).get("/tickets", limit=2, cursor=page["next_cursor"]).json()
    assert [t["subject"] for t in rest["items"]] == ["one"] and rest["next_cursor"] is None
    resolved = api(owner).get("/tickets", status="resolved").json()["items"]
    assert [t["subject"] for t in resolved] == ["one"]
    assert "messages" not in page["items"][0]

    tclock.advance(seconds=configured_policy().ticket_first_response_target.total_seconds() + 1)
    breached = {t["subject"]: t["first_response_breached"] for t in api(staff).get("/tickets").json()["items"]}
    assert breached == {"one": False, "two": True, "three": True}


def test_a_retried_open_with_the_same_idempotency_key_opens_one_ticket(api, owner):
    client = api(owner)
    first = client.post("/tickets", NEW, headers={"Idempotency-Key": "t-1"})
    second = client.post("/tickets", NEW, headers={"Idempotency-Key": "t-1"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert Ticket.objects.count() == 1


def test_the_schema_knows_every_category_and_the_paths():
    assert set(get_args(TicketCategory)) == set(Ticket.Category.values)


def test_ticket_paths_are_in_the_openapi_document(api):
    paths = api().get("/openapi.json").json()["paths"]
    for path in (
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}/replies",
        "/api/v1/tickets/{ticket_id}/assign",
    ):
        assert path in paths


def test_first_response_due_is_pinned_when_opened(api, owner, tclock):
    ticket = opened(api, owner)
    tclock.advance(hours=1)
    again = api(owner).get(f"/tickets/{ticket['id']}").json()
    assert again["first_response_due"] == ticket["first_response_due"]
    assert datetime.fromisoformat(
        again["first_response_due"]
    ) - tclock.now() == configured_policy().ticket_first_response_target - timedelta(hours=1)


def upload(client, ticket_id, files, **fields):
    return client.client.post(
        f"/api/v1/tickets/{ticket_id}/replies/with-files",
        {"body": "See the screenshot.", "files": files, **fields},
        headers=client._headers(None),
    )


def test_files_upload_and_download_with_safe_headers(api, owner, staff):
    ticket = opened(api, owner)
    response = upload(api(owner), ticket["id"], [png("error.png"), pdf("r.pdf")])
    assert response.status_code == 201, response.json()
    files = response.json()["messages"][-1]["attachments"]
    assert [(f["name"], f["content_type"]) for f in files] == [
        ("error.png", "image/png"),
        ("r.pdf", "application/pdf"),
    ]

    download = api(staff).get(f"/tickets/{ticket['id']}/attachments/{files[1]['id']}")
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() == files[1]["sha256"] and body == PDF
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith('attachment; filename="r.pdf"')
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_refused_file_is_a_422_and_the_reply_is_not_sent(api, owner):
    ticket = opened(api, owner)
    fake = SimpleUploadedFile("fake.png", b"<svg onload=alert(1)>", content_type="image/png")
    response = upload(api(owner), ticket["id"], [fake])
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert TicketMessage.objects.count() == 1 and not TicketAttachment.objects.exists()


def test_internal_files_are_not_found_for_the_owner(api, owner, staff):
    ticket = opened(api, owner)
    note = upload(api(staff), ticket["id"], [png()], internal="true").json()
    file_id = note["messages"][-1]["attachments"][0]["id"]
    assert api(owner).get(f"/tickets/{ticket['id']}/attachments/{file_id}").status_code == 404
    assert api(staff).get(f"/tickets/{ticket['id']}/attachments/{file_id}").status_code == 200


def test_a_reply_after_an_answer_has_its_own_target_and_breach(api, owner, staff, tclock):
    target = configured_policy().ticket_first_response_target
    ticket = opened(api, owner)
    api(staff).post(f"/tickets/{ticket['id']}/replies", {"body": "Which wallet?"})
    tclock.advance(hours=1)
    body = api(owner).post(f"/tickets/{ticket['id']}/replies", {"body": "EUR."}).json()
    replied_at = tclock.now()
    assert datetime.fromisoformat(body["owner_replied_at"]) == replied_at
    assert datetime.fromisoformat(body["reply_due"]) == replied_at + target
    assert body["reply_breached"] is False

    tclock.advance(seconds=target.total_seconds() + 1)
    listed = api(staff).get("/tickets").json()["items"][0]
    assert listed["reply_breached"] is True and listed["first_response_breached"] is False

    answered = api(staff).post(f"/tickets/{ticket['id']}/replies", {"body": "Done."}).json()
    assert answered["reply_due"] is None and answered["reply_breached"] is False


def test_files_under_one_field_name_with_an_idempotency_key_replay_instead_of_failing(api, owner):
    # The key's fingerprint used to sort the uploads themselves: two files of one field, 500.
    ticket = opened(api, owner)
    client = api(owner)

    def send():
        return client.client.post(
            f"/api/v1/tickets/{ticket['id']}/replies/with-files",
            {"body": "Two screenshots.", "files": [png("a.png"), png("b.png")]},
            headers=client._headers({"Idempotency-Key": "two-files"}),
        )

    first, again = send(), send()

    assert first.status_code == 201, first.content
    assert again.status_code == 201 and again.json() == first.json()
    assert len(first.json()["messages"][-1]["attachments"]) == 2
