from __future__ import annotations

import re

import pytest

from testsupport import factories


def test_a_disputed_order_links_to_its_dispute_and_to_support(client, make_user, tclock):
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    client.force_login(buyer)
    page = client.get(f"/orders/{order.public_id}/").content.decode()
    assert f'href="/disputes/{dispute.public_id}/"' in page
    assert "A dispute is already open for this order." in page
    assert f"/tickets/new/?order={order.public_id}" in page


def test_open_dispute_explains_when_it_becomes_possible(client, make_user):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    client.force_login(buyer)
    page = client.get(f"/orders/{order.public_id}/").content.decode()
    assert "Disputes can be opened 15 minutes after ordering." in page
    assert 'data-testid="why-open_dispute"' in page


def test_the_proposal_form_offers_each_side_only_what_it_may_propose(client, make_user, tclock):
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    client.force_login(seller)
    assert b'value="withdraw"' not in client.get(f"/disputes/{dispute.public_id}/").content
    client.force_login(buyer)
    assert b'value="withdraw"' in client.get(f"/disputes/{dispute.public_id}/").content


def test_nothing_undelivered_is_offered_for_return(client, make_user, tclock):
    buyer, seller = make_user(), make_user()
    paid, delivered = factories.paid_order(buyer, seller), factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    client.force_login(buyer)
    for order, offered in ((paid, False), (delivered, True)):
        opening = client.get(f"/disputes/new/?order={order.public_id}").content
        assert (b'value="return_and_refund"' in opening) is offered
        dispute = factories.open_dispute(order, reason="not_received" if not offered else "incorrect")
        for user in (buyer, seller):
            client.force_login(user)
            page = client.get(f"/disputes/{dispute.public_id}/").content
            assert (b'value="return_and_refund"' in page) is offered
        client.force_login(buyer)


def test_after_a_passed_deadline_the_page_says_why_instead_of_offering_the_form(client, make_user, tclock):
    from datetime import timedelta

    from core import clock
    from disputes import mediation
    from disputes.models import InfoRequest

    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    order = factories.delivered_order(buyer, seller, kind="service")
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, reason="incomplete")
    tclock.advance(hours=48)  # the seller was silent: escalated
    request = mediation.request_info(dispute_id=dispute.pk, by=staff, party="seller", question="Logs?")
    client.force_login(seller)

    page = client.get(f"/disputes/{dispute.public_id}/").content.decode()
    assert "Send answer" in page
    assert "a mediator decides" in page  # a delivered service: silence refunds nothing by itself

    clock.set_test_time(InfoRequest.objects.get(pk=request.pk).due_at + timedelta(minutes=1))  # the worker is late
    page = client.get(f"/disputes/{dispute.public_id}/").content.decode()
    assert "Send answer" not in page
    assert 'data-testid="why-answer_info"' in page and "Reload in a moment" in page
    client.force_login(staff)
    case = client.get(f"/staff/disputes/{dispute.public_id}/").content.decode()
    assert "Record decision" not in case
    assert 'data-testid="why-decide"' in case


@pytest.mark.parametrize(
    ("preset", "label"),
    [("difmark", "Involvement of the administration"), ("standard", "Escalated")],
    indirect=["preset"],
)
def test_the_escalated_tab_has_the_marketplaces_name(client, make_user, preset, label):
    client.force_login(make_user())
    page = client.get("/disputes/").content.decode()
    assert re.search(r'href="\?tab=escalated"[^>]*>' + re.escape(label) + "</a>", page)
