"""The staff webhook pages: register (the secret shown once), see deliveries, disable."""

from __future__ import annotations

import pytest

from testsupport import factories
from webhooks import actions
from webhooks.models import WebhookDelivery, WebhookEndpoint

URL = "http://127.0.0.1:9/parley-events"  # allow-listed by the test settings


@pytest.fixture
def staff(make_user):
    return make_user("carol", staff=True)


def test_registering_shows_the_secret_once(client, staff):
    client.force_login(staff)
    form = {"url": URL, "description": "Shop backend", "events": "order.\ndispute.resolved"}
    page = client.post("/staff/webhooks/", form)
    assert page.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_filter == ["order.", "dispute.resolved"]
    assert endpoint.description == "Shop backend"
    assert endpoint.secret.startswith("whsec_")
    assert endpoint.secret in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    for later in ("/staff/webhooks/", f"/staff/webhooks/{endpoint.public_id}/"):
        shown = client.get(later)
        assert shown.status_code == 200
        assert endpoint.secret not in shown.content.decode()
        assert URL in shown.content.decode()


@pytest.mark.parametrize(
    ("url", "events", "says"),
    [
        ("ftp://example.org/x", "", "https://"),
        ("https://10.0.0.7/x", "", "not a public address"),
        (URL, "Orders!", "Not an event code"),
    ],
)
def test_a_refused_registration_says_why_and_stores_nothing(client, staff, url, events, says):
    client.force_login(staff)
    page = client.post("/staff/webhooks/", {"url": url, "events": events})
    assert page.status_code == 200
    assert says in page.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_are_listed_and_disabling_fails_what_is_pending(client, staff, make_user):
    endpoint = actions.create_endpoint(by=staff, url=URL)
    factories.paid_order(make_user("b"), make_user("s"))  # order.placed is queued for the endpoint
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").exists()
    client.force_login(staff)
    page = client.get(f"/staff/webhooks/{endpoint.public_id}/")
    assert "order.placed" in page.content.decode()
    assert (
        client.get(f"/staff/webhooks/{endpoint.public_id}/", {"status": "sent"}).content.decode().count("order.placed")
        == 0
    )

    answer = client.post(f"/staff/webhooks/{endpoint.public_id}/disable/")
    assert answer.status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert not WebhookDelivery.objects.filter(endpoint=endpoint, status="pending").exists()
    assert "disabled" in client.get(answer["Location"]).content.decode()


def test_webhook_pages_are_for_staff_only(client, staff, make_user):
    endpoint = actions.create_endpoint(by=staff, url=URL)
    client.force_login(make_user("alice"))
    assert client.get("/staff/webhooks/").status_code == 403
    assert client.get(f"/staff/webhooks/{endpoint.public_id}/").status_code == 403
    assert client.post("/staff/webhooks/", {"url": URL}).status_code == 403
    assert client.post(f"/staff/webhooks/{endpoint.public_id}/disable/").status_code == 403
    assert WebhookEndpoint.objects.count() == 1
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_the_endpoint_list_takes_a_fixed_number_of_queries(client, staff, django_assert_max_num_queries):
    for n in range(5):
        actions.create_endpoint(by=staff, url=f"{URL}/{n}")
    client.force_login(staff)
    with django_assert_max_num_queries(12):
        assert client.get("/staff/webhooks/").status_code == 200
