"""Links in e-mails and notifications are absolute on PARLEY_PUBLIC_URL (PRODUCT.md §17): a
relative "/orders/…" means nothing in a mail client."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.checks.registry import registry
from django.test import override_settings

from core import clock
from notifications import checks
from notifications.actions import notify
from notifications.links import absolute
from notifications.models import OutboundEmail
from orders import actions as orders
from policy.active import configured_policy
from testsupport import factories

OPEN_LINE = re.compile(r"^Open it in Parley: (\S+)$", re.M)


def test_the_test_settings_set_a_public_url():
    assert settings.PUBLIC_URL == "http://testserver"


def test_a_path_becomes_an_absolute_url_and_anything_else_is_left_alone(settings):
    settings.PUBLIC_URL = "https://parley.example.org"
    assert absolute("/orders/ord_1/") == "https://parley.example.org/orders/ord_1/"
    assert absolute("") == ""
    assert absolute("https://elsewhere.example.com/x") == "https://elsewhere.example.com/x"
    assert absolute("//evil.example.com/x") == "//evil.example.com/x"


def test_every_email_of_an_order_and_its_dispute_links_absolutely(make_user):
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    orders.post_message(order_id=order.pk, by=buyer, body="Is this the EU key?")
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    factories.open_dispute(order)

    bodies = list(OutboundEmail.objects.values_list("body", flat=True))
    assert len(bodies) >= 4
    links = [m.group(1) for body in bodies for m in OPEN_LINE.finditer(body)]
    assert len(links) == len(bodies)  # every one of these mails links to its case
    assert all(link.startswith("http://testserver/") for link in links), links
    assert f"http://testserver/orders/{order.public_id}/" in links


def test_an_email_links_on_the_configured_address(make_user, settings):
    settings.PUBLIC_URL = "https://parley.example.org/market"
    user = make_user()
    notify(users=[user], code="test", title="Hello", link="/tickets/tkt_1/")
    body = OutboundEmail.objects.get(to=user.email).body
    assert "Open it in Parley: https://parley.example.org/market/tickets/tkt_1/" in body


def test_the_notification_api_gives_the_absolute_url_beside_the_path(make_user, api):
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    item = api(seller).get("/notifications").json()["items"][0]
    assert item["link"] == f"/orders/{order.public_id}/"
    assert item["url"] == f"http://testserver/orders/{order.public_id}/"


def _deploy_errors() -> set[str]:
    return {str(m.id) for m in checks.public_url(None)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", {"notifications.E001"}),
        ("http://parley.example.org", {"notifications.E002"}),
        ("parley.example.org", {"notifications.E002"}),
        ("https://", {"notifications.E002"}),
        ("https://parley.example.org", set()),
        ("https://parley.example.org:8443/market", set()),
    ],
)
def test_the_deploy_check_wants_an_https_public_url(value, expected):
    with override_settings(PUBLIC_URL=value):
        assert _deploy_errors() == expected


def test_the_check_runs_with_check_deploy_only():
    # `make run` serves over http on 127.0.0.1: only the deploy check (production) insists.
    assert checks.public_url in registry.get_checks(include_deployment_checks=True)
    assert checks.public_url not in registry.get_checks(include_deployment_checks=False)
