"""The staff privacy page: export a user's data, erase them after typing their username; the
reasons an erasure must wait are shown; no one but staff reaches it."""

from __future__ import annotations

import json

from django.test import Client

from core.models import AuditEvent
from testsupport import factories


def _staff_client(make_user):
    staff = make_user("sam", staff=True)
    client = Client()
    client.force_login(staff)
    return client, staff


def test_export_downloads_the_persons_data_and_is_recorded(make_user):
    client, _staff = _staff_client(make_user)
    person = make_user("rita")
    page = client.get(f"/staff/users/{person.public_id}/privacy/")
    assert page.status_code == 200 and b'data-testid="export-link"' in page.content
    answer = client.get(f"/staff/users/{person.public_id}/export.json")
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    assert json.loads(answer.content)["profile"]["username"] == "rita"
    assert AuditEvent.objects.filter(code="user.data_exported").count() == 1


def test_erasure_needs_the_username_typed(make_user):
    client, _staff = _staff_client(make_user)
    person = make_user("rita")
    client.post(f"/staff/users/{person.public_id}/erase/", {"confirm": "wrong"})
    person.refresh_from_db()
    assert person.username == "rita"
    answer = client.post(f"/staff/users/{person.public_id}/erase/", {"confirm": "rita"}, follow=True)
    person.refresh_from_db()
    assert person.username.startswith("erased-") and not person.is_active
    assert b"This account is erased" in answer.content


def test_refusal_reasons_are_shown_and_the_erasure_refused(make_user):
    client, _staff = _staff_client(make_user)
    buyer, seller = make_user("rita"), make_user("seller")
    factories.paid_order(buyer, seller)
    page = client.get(f"/staff/users/{buyer.public_id}/privacy/")
    assert b'data-testid="erasure-blockers"' in page.content and b"wallet holds" in page.content
    answer = client.post(f"/staff/users/{buyer.public_id}/erase/", {"confirm": "rita"}, follow=True)
    assert b"cannot be erased yet" in answer.content
    buyer.refresh_from_db()
    assert buyer.username == "rita"


def test_only_staff_reach_the_privacy_page(make_user):
    person = make_user("rita")
    other = Client()
    other.force_login(make_user("nosy"))
    for path in (f"/staff/users/{person.public_id}/privacy/", f"/staff/users/{person.public_id}/export.json"):
        assert other.get(path).status_code == 403
    assert other.post(f"/staff/users/{person.public_id}/erase/", {"confirm": "rita"}).status_code == 403
    person.refresh_from_db()
    assert person.username == "rita"
