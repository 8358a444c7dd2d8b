"""Live case pages (web/live.py): a poll while nothing changed is an empty 304 that costs a
fixed, small number of queries; any change by anyone makes the next poll render the page; the
proposal preview and the proposal share one rule; a withdrawal is its own confirmed step."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from disputes.models import Dispute
from testsupport import factories
from tickets import actions as ticket_actions

LIVE = {"X-Parley-Live": "1"}
# The session, its user, the case (with its access check) and the version: nothing is rendered.
QUERIES_PER_QUIET_POLL = 4


@pytest.fixture
def case(make_user, tclock) -> Dispute:
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.delivered_order(buyer, seller, price=40_00)
    tclock.advance(minutes=15)
    return factories.open_dispute(order, reason="not_as_described", kind="return_and_refund")


def poll(client, path: str, etag: str | None = None):
    headers = LIVE | ({"If-None-Match": etag} if etag else {})
    return client.get(path, headers=headers)


@pytest.mark.parametrize("page", ["dispute", "order", "ticket"])
def test_a_quiet_poll_is_a_304_of_a_fixed_cost(client, case, page, make_user):
    client.force_login(case.order.buyer)
    if page == "dispute":
        path = f"/disputes/{case.public_id}/"
    elif page == "order":
        path = f"/orders/{case.order.public_id}/"
    else:
        ticket = ticket_actions.open_ticket(by=case.order.buyer, subject="A question", category="other", body="Hi")
        path = f"/tickets/{ticket.public_id}/"
    with CaptureQueriesContext(connection) as rendered:
        started = time.perf_counter()
        first = poll(client, path)
        render_ms = (time.perf_counter() - started) * 1000
    assert first.status_code == 200 and first["ETag"]
    assert "no-store" in first["Cache-Control"]
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        quiet = poll(client, path, first["ETag"])
        elapsed_ms = (time.perf_counter() - started) * 1000
    assert quiet.status_code == 304 and quiet.content == b""
    assert len(queries) == QUERIES_PER_QUIET_POLL, [q["sql"] for q in queries]
    print(
        f"{page}: quiet poll {len(queries)} queries, {elapsed_ms:.1f} ms;"
        f" changed: {len(rendered)} queries, {render_ms:.1f} ms, {len(first.content)} bytes"
    )


def test_any_change_by_anyone_makes_the_next_poll_render(client, case):
    client.force_login(case.order.buyer)
    path = f"/disputes/{case.public_id}/"
    etag = poll(client, path)["ETag"]
    chat_actions_post(case, "Any news?")
    changed = poll(client, path, etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Any news?" in changed.content.decode()


def chat_actions_post(case: Dispute, body: str) -> None:
    from disputes import actions

    actions.post_message(dispute_id=case.pk, by=case.order.seller, body=body)


def test_a_page_load_is_never_a_304(client, case):
    """Only the page's own poll is answered from the version: a person's reload always renders,
    with whatever message is waiting for them."""
    client.force_login(case.order.buyer)
    path = f"/disputes/{case.public_id}/"
    etag = poll(client, path)["ETag"]
    assert client.get(path, headers={"If-None-Match": etag}).status_code == 200


def test_the_preview_refuses_what_the_proposal_refuses(client, case):
    client.force_login(case.order.seller)
    preview = client.get(
        f"/disputes/{case.public_id}/preview/", {"kind": "return_and_refund", "seller_keep_percent": "40"}
    ).content.decode()
    assert 'data-testid="split-error"' in preview and "the seller keeps nothing" in preview
    sent = client.post(
        f"/disputes/{case.public_id}/proposals/",
        {"kind": "return_and_refund", "seller_keep_percent": "40", "note": "a share, please"},
    )
    page = sent.content.decode()
    assert sent.status_code == 200 and "the seller keeps nothing" in page
    assert 'value="40"' in page and "a share, please" in page  # what was typed stays
    assert case.proposals.filter(author_role="seller").count() == 0
    allowed = client.get(
        f"/disputes/{case.public_id}/preview/", {"kind": "return_and_refund", "seller_keep_percent": "0"}
    ).content.decode()
    assert 'data-testid="split"' in allowed


def test_a_withdrawal_is_its_own_step_and_says_who_was_paid(client, case):
    client.force_login(case.order.buyer)
    page = client.get(f"/disputes/{case.public_id}/").content.decode()
    assert 'value="withdraw"' in page  # the confirmation's own field, not a proposal kind
    assert '<option value="withdraw"' not in page
    refused = client.post(f"/disputes/{case.public_id}/proposals/", {"kind": "withdraw"})
    case.refresh_from_db()
    assert case.status != "resolved" and refused.status_code == 200
    unconfirmed = client.post(f"/disputes/{case.public_id}/withdraw/", follow=True)
    case.refresh_from_db()
    assert case.status != "resolved"
    assert "Confirm the withdrawal" in unconfirmed.content.decode()
    done = client.post(f"/disputes/{case.public_id}/withdraw/", {"confirm": "withdraw"}, follow=True).content.decode()
    case.refresh_from_db()
    assert case.status == "resolved" and case.outcome == "withdrawn"
    assert "You withdrew the dispute." in done and "was paid to the seller" in done
    assert "Proposal sent" not in done


def test_chat_actions_still_reach_the_old_chat_poll(client, case):
    """The chat's own fragment endpoint keeps answering (other pages and clients poll it)."""
    client.force_login(case.order.buyer)
    chat_actions_post(case, "Still here")
    assert "Still here" in client.get(f"/disputes/{case.public_id}/chat/?after=0").content.decode()
