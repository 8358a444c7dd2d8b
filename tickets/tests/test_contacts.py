from __future__ import annotations

import pytest

from core.errors import Forbidden, ValidationFailed
from core.models import AuditEvent
from tickets import contacts, queries
from tickets.contacts import parse_channels
from tickets.models import ContactsPage


def test_channels_are_label_value_lines_with_safe_links():
    channels, problems = parse_channels(
        "E-mail: support@example.org\nTelegram: @parley_support\n\nWeb: https://help.example.org\n"
        "Phone: +1 (555) 010-0100\nTrick: javascript:alert(1)"
    )
    assert problems == []
    assert [(c.label, c.href) for c in channels] == [
        ("E-mail", "mailto:support@example.org"),
        ("Telegram", None),
        ("Web", "https://help.example.org"),
        ("Phone", "tel:+15550100100"),
        ("Trick", None),
    ]


def test_lines_without_a_label_are_problems():
    _, problems = parse_channels("just an address\nE-mail:")
    assert problems == ['Line 1 is not "Label: value".', 'Line 2 is not "Label: value".']


def test_the_page_has_defaults_until_staff_edit_it(db):
    page = queries.contacts_page()
    assert page.opening_hours == "Daily, around the clock"
    assert queries.contact_channels(page) == []
    assert not ContactsPage.objects.exists()  # reading writes nothing


def test_staff_edit_the_page(make_user):
    carol = make_user("carol", staff=True)
    contacts.update_contacts(by=carol, channels="E-mail: help@example.org", opening_hours="Daily, 24/7", intro="Hi.")
    page = queries.contacts_page()
    assert page.opening_hours == "Daily, 24/7" and page.updated_by == carol
    assert [c.value for c in queries.contact_channels(page)] == ["help@example.org"]
    assert AuditEvent.objects.filter(code="contacts.updated", actor=carol).count() == 1


def test_others_cannot_edit_and_bad_input_writes_nothing(make_user):
    with pytest.raises(Forbidden):
        contacts.update_contacts(by=make_user("alice"), channels="", opening_hours="Never", intro="")
    with pytest.raises(ValidationFailed) as exc:
        contacts.update_contacts(
            by=make_user("carol", staff=True), channels="no colon here", opening_hours="", intro=""
        )
    assert set(exc.value.fields) == {"channels", "opening_hours"}
    assert not ContactsPage.objects.exists()
