"""Every page and every action of the web UI, given junk in every query parameter and form field
it reads, answers with a page, a refusal or a redirect: never a server error. (The API gets the
same treatment from schemathesis in `api/tests/test_fuzz.py`.) The ledger check that ends
every test proves that whatever the junk did, no money moved wrongly."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from disputes import mediation
from testsupport import factories
from tickets import actions as tickets
from webhooks import actions as webhooks

JUNK = ["", "-1", "abc", "1e999", "9" * 30, "<b>x</b>", "%", "NaN", "ord_x", "//evil.example"]
QUERY = ["tab", "cursor", "page", "after", "order", "status", "assignee", "category", "kind", "next"]
QUERY += ["refund_amount", "seller_keep_percent", "outcome", "party", "reason"]
FIELDS = ["body", "note", "reason", "description", "requested_outcome", "outcome", "refund_amount"]
FIELDS += ["seller_keep_percent", "seller_error", "party", "question", "assignee", "dispute", "order"]
FIELDS += ["amount", "currency", "seconds", "title", "price", "kind", "subject", "category", "internal"]
FIELDS += ["agree", "next", "answer", "hours", "channels", "hours_text", "intro", "url", "events"]

PAGES = [
    "/",
    "/orders/",
    "/orders/{o}/",
    "/orders/{o}/chat/",
    "/wallet/",
    "/notifications/",
    "/listings/",
    "/listings/new/",
    "/listings/{l}/",
    "/listings/{l}/edit/",
    "/disputes/",
    "/disputes/new/",
    "/disputes/{d}/",
    "/disputes/{d}/chat/",
    "/disputes/{d}/preview/",
    "/disputes/{d}/print/",
    "/disputes/{d}/export.json",
    "/tickets/",
    "/tickets/new/",
    "/tickets/{t}/",
    "/contacts/",
    "/contacts/edit/",
    "/staff/",
    "/staff/tickets/",
    "/staff/disputes/{d}/",
    "/staff/disputes/{d}/preview/",
    "/staff/webhooks/",
    "/staff/webhooks/{w}/",
]
ACTIONS = [
    "/orders/{p}/messages/",
    "/orders/{p}/deliver/",
    "/orders/{p}/cancel/",
    "/orders/{o}/confirm/",
    "/listings/{l}/buy/",
    "/listings/{l}/edit/",
    "/listings/new/",
    "/disputes/new/",
    "/disputes/{d}/messages/",
    "/disputes/{d}/proposals/",
    "/disputes/{d}/proposals/{q}/reject/",
    "/disputes/{d}/steps/escalate/",
    "/disputes/{d}/steps/return-shipped/",
    "/disputes/{d}/steps/no-such-step/",
    "/disputes/{d}/questions/{i}/answer/",
    "/disputes/{d}/evidence/",
    "/staff/disputes/{d}/decide/",
    "/staff/disputes/{d}/ask/",
    "/staff/disputes/{d}/assign/",
    "/staff/disputes/{d}/message/",
    "/tickets/new/",
    "/tickets/{t}/reply/",
    "/tickets/{t}/assign/",
    "/tickets/{t}/link-dispute/",
    "/tickets/{t}/resolve/",
    "/tickets/{t}/reopen/",
    "/contacts/edit/",
    "/notifications/read-all/",
    "/staff/webhooks/",
    "/staff/webhooks/{w}/disable/",
    "/test-clock/advance/",
]


@pytest.fixture
def world(make_user, tclock, settings) -> dict[str, Any]:
    settings.WRITE_RATE_LIMIT = (1_000_000, 60)  # the throttle would hide the views behind 429s
    buyer, seller, staff = make_user("b"), make_user("s"), make_user("st", staff=True)
    paid = factories.paid_order(buyer, seller)
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    tclock.advance(hours=48)  # the seller stays silent: the case is escalated by itself
    question = mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Which region?")
    ticket = tickets.open_ticket(by=buyer, subject="Help", category="other", body="A question.")
    endpoint = webhooks.create_endpoint(by=staff, url="http://127.0.0.1:9/events")
    ids = {
        "o": order.public_id,
        "p": paid.public_id,
        "l": order.listing.public_id,
        "d": dispute.public_id,
        "q": dispute.proposals.first().public_id,
        "i": question.public_id,
        "t": ticket.public_id,
        "w": endpoint.public_id,
    }
    return {"people": (buyer, seller, staff), "ids": ids}


def _client(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_pages_answer_junk_query_parameters_without_a_server_error(world):
    failures = []
    for user in world["people"]:
        client = _client(user)
        for page in PAGES:
            url = page.format(**world["ids"])
            for value in JUNK:
                status = client.get(url, dict.fromkeys(QUERY, value)).status_code
                if status >= 500:
                    failures.append((user.username, url, value, status))
    assert failures == []


def test_actions_answer_junk_forms_without_a_server_error(world):
    failures = []
    for user in world["people"]:
        client = _client(user)
        for action in ACTIONS:
            url = action.format(**world["ids"])
            for value in JUNK:
                form = dict.fromkeys(FIELDS, value)
                status = client.post(url, form, headers={"Referer": value}).status_code
                if status >= 500:
                    failures.append((user.username, url, value, status))
    assert failures == []


@pytest.fixture
def yen_policy(policy_file) -> None:
    """A deployment that also sells in yen, a currency without minor units."""
    policy_file('extends = "standard"\ncurrencies = ["USD", "JPY"]\nbuyer_fee_minimum = "1"\n', "yen")


def test_an_amount_finer_than_the_currency_is_refused_on_every_form(make_user, tclock, yen_policy):
    buyer, seller, staff = make_user("b"), make_user("s"), make_user("st", staff=True)
    order = factories.delivered_order(buyer, seller, price=5000, currency="JPY")
    tclock.advance(minutes=15)
    client = _client(buyer)
    response = client.post(
        f"/disputes/new/?order={order.public_id}",
        {"reason": "incomplete", "description": "Half of it.", "requested_kind": "partial_refund"}
        | {"refund_amount": "1.50", "accept_terms": "on", "order": order.public_id},
    )
    assert response.status_code == 200
    assert "more than 0 decimal places for JPY" in response.content.decode()
    dispute = factories.open_dispute(order)

    forms = [
        (seller, f"/disputes/{dispute.public_id}/proposals/", {"kind": "partial_refund", "refund_amount": "1.50"}),
        (staff, f"/staff/disputes/{dispute.public_id}/decide/", {"outcome": "partial_refund", "refund_amount": "1.5"}),
    ]
    for user, url, form in forms:
        response = _client(user).post(url, form | {"note": "x"}, follow=True)
        assert response.status_code == 200, url
        assert "JPY" in response.content.decode(), url
    assert dispute.proposals.count() == 1 and dispute.order.status == "disputed"
