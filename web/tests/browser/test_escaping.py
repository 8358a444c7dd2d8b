from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders import actions as orders
from testsupport import factories

pytestmark = pytest.mark.browser


def test_a_script_in_the_chat_is_shown_as_text_and_never_runs(page, live_server, person, login):
    alice, bob = person("alice"), person("bob")
    order = factories.paid_order(alice, bob)
    orders.post_message(order_id=order.pk, by=bob, body='<script>alert("owned")</script><img src=x onerror=alert(2)>')
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    login(page, "alice")
    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    expect(page.get_by_test_id("chat")).to_contain_text('<script>alert("owned")</script>')
    page.wait_for_timeout(500)
    assert dialogs == []
