"""Nobody reaches what is not theirs: staff pages and endpoints are for staff; a dispute, its
evidence and a notification are for the people they concern."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes import actions as dispute_actions
from notifications.models import Notification
from testsupport import factories


@pytest.fixture
def case(make_user, tclock):
    buyer, seller, outsider, staff = make_user("b"), make_user("s"), make_user("o"), make_user("st", staff=True)
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="PNG")
    evidence = dispute_actions.add_evidence(
        dispute_id=dispute.pk, by=buyer, upload=SimpleUploadedFile("proof.png", out.getvalue(), "image/png")
    )
    tclock.advance(hours=48)
    return {
        "buyer": buyer,
        "seller": seller,
        "outsider": outsider,
        "staff": staff,
        "dispute": dispute,
        "evidence": evidence,
    }


STAFF_PAGES = [
    "/staff/",
    "/staff/disputes/{d}/",
    "/staff/disputes/{d}/preview/?outcome=full_refund",
    "/staff/tickets/",
    "/staff/webhooks/",
]
STAFF_POSTS = [
    "/staff/disputes/{d}/decide/",
    "/staff/disputes/{d}/ask/",
    "/staff/disputes/{d}/assign/",
    "/staff/disputes/{d}/message/",
    "/test-clock/advance/",
]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_refuse_parties_and_outsiders(client, case, path):
    url = path.format(d=case["dispute"].public_id)
    for who in ("buyer", "seller", "outsider"):
        client.force_login(case[who])
        assert client.get(url).status_code == 403, (who, url)
    client.force_login(case["staff"])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("path", STAFF_POSTS)
def test_staff_actions_refuse_non_staff_and_change_nothing(client, case, path):
    url = path.format(d=case["dispute"].public_id)
    client.force_login(case["buyer"])
    response = client.post(
        url,
        {
            "outcome": "full_refund",
            "note": "x",
            "party": "seller",
            "question": "q",
            "assignee": case["buyer"].username,
            "body": "hi",
            "seconds": "3600",
        },
    )
    assert response.status_code in (302, 403)
    if response.status_code == 302:  # the test clock door sends non-staff to the log-in page
        assert "/login/" in response["Location"]
    case["dispute"].refresh_from_db()
    assert case["dispute"].status == "escalated"
    assert case["dispute"].assignee is None


def test_staff_pages_send_anonymous_visitors_to_log_in(client, case):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_outsider_sees_no_dispute_evidence_or_order(client, case):
    client.force_login(case["outsider"])
    d, e = case["dispute"], case["evidence"]
    for url in (
        f"/disputes/{d.public_id}/",
        f"/evidence/{e.public_id}/",
        f"/orders/{d.order.public_id}/",
        f"/disputes/{d.public_id}/export.json",
        f"/disputes/{d.public_id}/print/",
    ):
        assert client.get(url).status_code == 404, url


def test_parties_download_evidence_as_an_attachment(client, case):
    client.force_login(case["seller"])
    response = client.get(f"/evidence/{case['evidence'].public_id}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_notifications_belong_to_their_owner(client, case):
    note = Notification.objects.filter(user=case["seller"]).first()
    assert note is not None
    client.force_login(case["outsider"])
    assert client.post(f"/notifications/{note.public_id}/open/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_api_staff_endpoints_refuse_non_staff(api, case):
    d = case["dispute"].public_id
    client = api(case["buyer"])
    calls = [
        ("post", f"/disputes/{d}/decision", {"outcome": "full_refund", "note": "x"}),
        ("post", f"/disputes/{d}/decision?preview=true", {"outcome": "full_refund", "note": "x"}),
        ("post", f"/disputes/{d}/info-requests", {"party": "seller", "question": "q"}),
        ("post", f"/disputes/{d}/assign", {"assignee": None}),
        ("get", "/ledger/check", None),
        ("get", "/test-clock", None),
        ("post", "/test-clock/advance", {"seconds": 60}),
    ]
    for method, path, body in calls:
        response = client.get(path) if method == "get" else client.post(path, body)
        assert response.status_code == 403, (path, response.json())
        assert response.json()["code"] == "forbidden"


def test_api_outsider_gets_404_for_dispute_evidence_and_notifications(api, case):
    d, e = case["dispute"].public_id, case["evidence"].public_id
    note = Notification.objects.filter(user=case["seller"]).first()
    client = api(case["outsider"])
    assert client.get(f"/disputes/{d}").status_code == 404
    assert client.get(f"/disputes/{d}/messages").status_code == 404
    assert client.get(f"/disputes/{d}/evidence/{e}").status_code == 404
    assert client.post(f"/notifications/{note.public_id}/read").status_code == 404
    assert client.get("/notifications").json()["items"] == []


def test_admin_pages_are_read_only_for_ledger_rows(client, case):
    client.force_login(case["staff"])
    assert client.get("/django-admin/ledger/entry/").status_code == 200
    assert client.get("/django-admin/ledger/entry/add/").status_code == 403
    client.force_login(case["buyer"])
    assert client.get("/django-admin/").status_code == 302
