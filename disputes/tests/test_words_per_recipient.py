"""A notification is written in its recipient's language, whoever's request caused it: a
Russian mediator's question and a Russian buyer's escalation reach an English seller or buyer
in English (and a Russian one in Russian)."""

from __future__ import annotations

import re
from typing import Any

from django.utils import translation

from disputes import actions, mediation
from disputes.tests.support import bring_to_administration
from notifications.models import Notification
from testsupport import factories

CYRILLIC = re.compile("[\u0400-\u04ff]")


def _english(note: Notification) -> bool:
    return not CYRILLIC.search(note.title + note.body)


def test_a_russian_mediators_question_reaches_an_english_buyer_in_english(order: Any, people: Any, tclock: Any) -> None:
    buyer, _, staff = people
    staff.language = "ru"
    staff.save(update_fields=["language"])
    dispute = bring_to_administration(factories.open_dispute(order, kind="full_refund"), tclock)
    with translation.override("ru"):  # the mediator's request
        mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Screenshot?")

    note = Notification.objects.get(user=buyer, code="dispute.info_requested")
    assert _english(note), note.body
    assert "otherwise" in note.body


def test_a_russian_buyers_escalation_reaches_an_english_seller_in_english(order: Any, people: Any, tclock: Any) -> None:
    buyer, seller, _ = people
    dispute = factories.open_dispute(order, kind="full_refund")
    policy = dispute.order.policy
    if policy.escalation_available_after is not None:
        tclock.advance(seconds=policy.escalation_available_after.total_seconds())
    with translation.override("ru"):  # the buyer's request
        actions.escalate(dispute_id=dispute.pk, by=buyer)

    note = Notification.objects.get(user=seller, code="dispute.escalated")
    assert _english(note), (note.title, note.body)
    assert note.body.startswith("The buyer brought in the administration")
