"""A mediator's day on the pages: Take/Release only where assignment is allowed, the dense
inbox (amount, reason, why, waiting since, target), search, bulk take with its refusals, the
next case, internal notes on disputes that no party ever sees, and canned replies."""

from __future__ import annotations

import pytest

from disputes.models import Dispute
from disputes.tests.support import bring_to_administration, decide_now
from testsupport import factories


@pytest.fixture
def people(make_user):
    return make_user("buyer"), make_user("seller"), make_user("agent", staff=True), make_user("zed", staff=True)


def escalated(people, tclock, *, title: str = "Game key", price: int = 100_00) -> Dispute:
    buyer, seller, _, _ = people
    order = factories.delivered_order(buyer, seller, price=price, title=title)
    tclock.advance(minutes=15)
    return bring_to_administration(factories.open_dispute(order), tclock)


def html_of(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_take_and_release_are_offered_only_while_the_case_can_be_assigned(client, people, tclock):
    _, _, agent, _ = people
    dispute = escalated(people, tclock)
    assert 'data-testid="assign-form"' in html_of(client, agent, f"/staff/disputes/{dispute.public_id}/")
    decide_now(dispute_id=dispute.pk, by=agent, outcome="full_refund", note="Wrong region.")
    assert Dispute.objects.get(pk=dispute.pk).status == Dispute.Status.RESOLVED
    html = html_of(client, agent, f"/staff/disputes/{dispute.public_id}/")
    assert 'data-testid="assign-form"' not in html
    assert "Take case" not in html
    assert 'data-testid="why-assign"' in html


def test_the_inbox_shows_amount_reason_why_and_waiting_since(client, people, tclock):
    _, _, agent, _ = people
    dispute = escalated(people, tclock, title="Rare skin", price=42_50)
    html = html_of(client, agent, "/staff/")
    row = html[html.index(f'data-ref="{dispute.public_id}"') :]
    row = row[: row.index("</tr>")]
    assert "42.50" in row
    assert "Incorrect" in row
    assert "escalated by a missed deadline" in row
    assert "Rare skin" in row and "buyer → seller" in row


def test_the_inbox_searches_by_id_user_or_title(client, people, tclock, make_user):
    buyer, _, agent, _ = people
    skin = escalated(people, tclock, title="Rare skin")
    other_buyer = make_user("quentin")
    order = factories.delivered_order(other_buyer, make_user("vendor"), title="Gift card")
    tclock.advance(minutes=15)
    card = bring_to_administration(factories.open_dispute(order), tclock)
    for query, found, hidden in (
        ("skin", skin, card),
        ("quent", card, skin),
        (card.public_id[:10], card, skin),
        (skin.order.public_id, skin, card),
    ):
        html = html_of(client, agent, f"/staff/?q={query}")
        assert f'data-ref="{found.public_id}"' in html, query
        assert f'data-ref="{hidden.public_id}"' not in html, query


def test_bulk_take_takes_each_case_and_reports_the_refused(client, people, tclock):
    buyer, seller, agent, zed = people
    first, second, done = escalated(people, tclock), escalated(people, tclock), escalated(people, tclock)
    decide_now(dispute_id=done.pk, by=zed, outcome="full_refund", note="Refunded.")
    client.force_login(agent)
    response = client.post(
        "/staff/take/", {"case": [first.public_id, second.public_id, done.public_id, "dsp_nothing"]}, follow=True
    )
    assert response.status_code == 200
    assert {d.assignee for d in Dispute.objects.filter(pk__in=[first.pk, second.pk])} == {agent}
    assert Dispute.objects.get(pk=done.pk).assignee is None
    text = response.content.decode()
    assert "You took 2 cases." in text
    assert f"{done.public_id} was not taken" in text
    assert "dsp_nothing was not taken: No such case." in text


def test_next_case_goes_to_the_most_pressing_other_case(client, people, tclock):
    _, _, agent, _ = people
    first, second = escalated(people, tclock), escalated(people, tclock)
    client.force_login(agent)
    assert client.get(f"/staff/next/?from={first.public_id}")["Location"] == f"/staff/disputes/{second.public_id}/"
    assert client.get(f"/staff/next/?from={second.public_id}")["Location"] == f"/staff/disputes/{first.public_id}/"
    response = client.post(
        f"/staff/disputes/{first.public_id}/decide/", {"outcome": "full_refund", "note": "Refunded.", "then": "next"}
    )
    assert response["Location"] == f"/staff/next/?from={first.public_id}"
    assert client.get(response["Location"])["Location"] == f"/staff/disputes/{second.public_id}/"


def test_internal_notes_are_seen_by_staff_only(client, people, tclock):
    from webhooks.models import Event

    buyer, seller, agent, _ = people
    dispute = escalated(people, tclock)
    client.force_login(agent)
    response = client.post(f"/staff/disputes/{dispute.public_id}/notes/", {"body": "Seller has 3 similar cases."})
    assert response.status_code == 302
    assert "Seller has 3 similar cases." in html_of(client, agent, f"/staff/disputes/{dispute.public_id}/")
    for party in (buyer, seller):
        client.force_login(party)
        for url in (
            f"/disputes/{dispute.public_id}/",
            f"/disputes/{dispute.public_id}/export.json",
            f"/disputes/{dispute.public_id}/print/",
            f"/api/v1/disputes/{dispute.public_id}",
            f"/api/v1/disputes/{dispute.public_id}/messages",
        ):
            body = client.get(url).content.decode()
            assert "similar cases" not in body, url
            assert "internal note" not in body, url
    assert not Event.objects.filter(code="dispute.note_added").exists()
    assert "similar cases" not in str(list(Event.objects.values_list("payload", flat=True)))
    client.force_login(buyer)
    refused = client.post(f"/staff/disputes/{dispute.public_id}/notes/", {"body": "Me too."})
    assert refused.status_code == 403


def test_a_staff_member_who_is_a_party_writes_no_note(people, tclock):
    from core.errors import Forbidden
    from disputes import actions

    buyer, seller, agent, _ = people
    dispute = escalated(people, tclock)
    seller.is_staff = True
    seller.save(update_fields=["is_staff"])
    with pytest.raises(Forbidden):
        actions.add_internal_note(dispute_id=dispute.pk, by=seller, body="Mine.")


def test_canned_replies_are_managed_and_filled_in_on_the_forms(client, people, tclock):
    from desk.models import CannedReply
    from tickets import actions as tickets

    buyer, seller, agent, _ = people
    dispute = escalated(people, tclock, title="Rare skin")
    client.force_login(agent)
    body = "Hello {buyer} and {seller}: about {order_title} ({case_id}), by {deadline}. {unknown}"
    assert client.post("/staff/replies/", {"title": "Greeting", "body": body}).status_code == 302
    reply = CannedReply.objects.get(title="Greeting")
    assert "Greeting" in html_of(client, agent, "/staff/replies/")
    case = html_of(client, agent, f"/staff/disputes/{dispute.public_id}/")
    assert f"Hello buyer and seller: about Rare skin ({dispute.public_id}), by " in case
    assert "{unknown}" in case and "{buyer}" not in case
    ticket = tickets.open_ticket(by=buyer, subject="Help", category="other", body="Please.")
    page = html_of(client, agent, f"/tickets/{ticket.public_id}/")
    assert 'data-testid="canned-picker"' in page and f"({ticket.public_id})" in page
    client.force_login(buyer)
    assert 'data-testid="canned-picker"' not in html_of(client, buyer, f"/tickets/{ticket.public_id}/")
    assert client.get("/staff/replies/").status_code == 403
    client.force_login(agent)
    client.post(f"/staff/replies/{reply.public_id}/", {"title": "Greeting", "body": "Hi {owner}."})
    assert CannedReply.objects.get(pk=reply.pk).body == "Hi {owner}."
    client.post(f"/staff/replies/{reply.public_id}/delete/")
    assert not CannedReply.objects.exists()
