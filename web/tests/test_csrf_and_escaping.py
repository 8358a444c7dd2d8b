"""Web forms need their CSRF token; what people type is shown as text, never as markup."""

from __future__ import annotations

from django.test import Client

from orders import actions as orders
from testsupport import factories

PAYLOADS = ['<script>alert("x")</script>', "<img src=x onerror=alert(1)>", '"><svg onload=alert(1)>']


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(make_user):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(seller)
    response = browser.post(f"/orders/{order.public_id}/deliver/", {"note": "KEY"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == "paid"


def test_chat_and_listing_text_is_escaped(client, make_user):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    for payload in PAYLOADS:
        orders.post_message(order_id=order.pk, by=buyer, body=payload)
    client.force_login(seller)
    page = client.get(f"/orders/{order.public_id}/").content.decode()
    for payload in PAYLOADS:
        assert payload not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_pages_carry_a_strict_content_security_policy(client, make_user):
    client.force_login(make_user())
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
