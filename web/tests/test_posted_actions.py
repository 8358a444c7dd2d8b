"""Every view that carries out an action on a POST goes through `web.errors.posted`: a GET is
refused before anything else (405), a visitor who is not logged in is sent to log in, and a
refusal comes back as a message on the page the person came from."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, reverse

from testsupport import factories
from web import urls

POSTED = [p for p in urls.urlpatterns if isinstance(p, URLPattern) and getattr(p.callback, "posted_action", False)]


def _path(pattern: URLPattern) -> str:
    return reverse(f"web:{pattern.name}", kwargs=dict.fromkeys(pattern.pattern.converters, "x"))


def test_the_action_views_are_posted():
    names = {p.name for p in POSTED}
    assert {"dispute_step", "dispute_propose", "order_deliver", "ticket_reply", "staff_decide"} <= names
    assert len(POSTED) >= 25


@pytest.mark.parametrize("pattern", POSTED, ids=lambda p: p.name)
@pytest.mark.django_db
def test_a_get_is_refused_and_a_visitor_sent_to_log_in(client, pattern):
    assert client.get(_path(pattern)).status_code == 405
    answer = client.post(_path(pattern))
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_a_refusal_is_a_message_on_the_page_before(make_user, client, tclock):
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, kind="full_refund")
    client.force_login(buyer)
    page = f"/disputes/{dispute.public_id}/"

    answer = client.post(f"{page}steps/return-shipped/", HTTP_REFERER=page, follow=True)

    assert answer.redirect_chain == [(page, 302)]
    assert [m.level_tag for m in answer.context["messages"]] == ["error"]
