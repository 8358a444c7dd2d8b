"""/api/v1/webhooks: staff register endpoints (the secret is shown once), list them, disable
them and read their deliveries; nobody else may touch them."""

from __future__ import annotations

import base64

import pytest

from core.models import AuditEvent
from orders import actions as orders
from testsupport import factories
from webhooks.models import WebhookEndpoint

LOCAL = "http://127.0.0.1:9/hook"  # allow-listed in the test settings; nothing is sent in these tests


@pytest.fixture
def staff(make_user):
    return make_user("carol", staff=True)


def created(api, staff, **body):
    response = api(staff).post("/webhooks", {"url": LOCAL} | body)
    assert response.status_code == 201, response.json()
    return response.json()


def test_staff_register_an_endpoint_and_see_the_secret_once(api, staff):
    hook = created(api, staff, description="Marketplace backend", events=["order.", "dispute.resolved"])

    assert hook["id"].startswith("whk_")
    assert (hook["url"], hook["description"], hook["is_active"]) == (LOCAL, "Marketplace backend", True)
    assert hook["events"] == ["order.", "dispute.resolved"]
    assert hook["created_by"] == "carol"
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) == 32

    client = api(staff)
    for response in (client.get(f"/webhooks/{hook['id']}"), client.get("/webhooks")):
        assert response.status_code == 200
        assert hook["secret"] not in response.content.decode()
        assert "secret" not in response.content.decode()
    assert client.get("/webhooks").json()["items"][0]["id"] == hook["id"]
    event = AuditEvent.objects.get(code="webhook.created")
    assert event.actor == staff and event.data["url"] == LOCAL
    assert hook["secret"] not in str(event.data)


def test_every_endpoint_refuses_everyone_but_staff(api, make_user, staff):
    hook = created(api, staff)
    path = f"/webhooks/{hook['id']}"
    for client, status in ((api(make_user("alice")), 403), (api(), 401)):
        assert client.post("/webhooks", {"url": LOCAL}).status_code == status
        assert client.get("/webhooks").status_code == status
        assert client.get(path).status_code == status
        assert client.post(f"{path}/disable").status_code == status
        assert client.get(f"{path}/deliveries").status_code == status
    forbidden = api(make_user("bob")).get(path)
    assert forbidden["content-type"] == "application/problem+json"
    assert forbidden.json()["code"] == "forbidden"
    assert WebhookEndpoint.objects.filter(is_active=True).count() == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://localhost/hook",
        "https://[::1]/hook",
        "https://127.0.0.1/hook",
    ],
)
def test_private_loopback_and_link_local_urls_are_refused(api, staff, settings, url):
    settings.WEBHOOKS_ALLOWED_HOSTS = []
    response = api(staff).post("/webhooks", {"url": url})
    assert response.status_code == 422
    assert response.json()["code"] == "webhook_url_not_allowed"
    assert not WebhookEndpoint.objects.exists()


def test_plain_http_is_refused_where_it_is_not_allowed(api, staff, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    response = api(staff).post("/webhooks", {"url": LOCAL})
    assert response.status_code == 422
    assert response.json()["code"] == "webhook_url_not_allowed"
    assert "https" in response.json()["detail"]
    assert api(staff).post("/webhooks", {"url": "https://93.184.216.34/hook"}).status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {"url": "not a url"},
        {"url": "ftp://93.184.216.34/"},
        {"url": LOCAL, "events": ["Order.Delivered!"]},
        {"url": LOCAL, "events": [".order"]},
        {"url": LOCAL, "events": ["order."] * 31},
        {"url": LOCAL, "description": "x" * 201},
    ],
)
def test_bad_input_is_refused_with_422(api, staff, body):
    response = api(staff).post("/webhooks", body)
    assert response.status_code == 422, response.json()
    assert not WebhookEndpoint.objects.exists()


def test_disabling_stops_deliveries_and_is_idempotent(api, make_user, staff):
    hook = created(api, staff)
    path = f"/webhooks/{hook['id']}"

    first = api(staff).post(f"{path}/disable")
    assert first.status_code == 200
    assert first.json()["is_active"] is False and first.json()["disabled_at"]
    again = api(staff).post(f"{path}/disable")
    assert again.json() == first.json()
    assert AuditEvent.objects.filter(code="webhook.disabled").count() == 1

    factories.paid_order(make_user("buyer"), make_user("seller"))
    assert api(staff).get(f"{path}/deliveries").json()["items"] == []


def test_deliveries_show_each_event_with_its_status_newest_first(api, make_user, staff):
    hook = created(api, staff, events=["order."])
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.paid_order(buyer, seller)
    orders.deliver(order_id=order.pk, by=seller)

    page = api(staff).get(f"/webhooks/{hook['id']}/deliveries", limit=1).json()
    [latest] = page["items"]
    assert latest["type"] == "order.delivered"
    assert latest["event_id"].startswith("evt_") and latest["event_id"] == latest["payload"]["id"]
    assert (latest["status"], latest["attempts"], latest["last_status_code"]) == ("pending", 0, None)
    assert latest["next_attempt_at"] and latest["sent_at"] is None
    assert latest["payload"]["data"]["order_id"] == order.public_id
    rest = api(staff).get(f"/webhooks/{hook['id']}/deliveries", cursor=page["next_cursor"]).json()
    assert [d["type"] for d in rest["items"]] == ["order.placed"]
    assert api(staff).get(f"/webhooks/{hook['id']}/deliveries", status="sent").json()["items"] == []
    assert api(staff).get(f"/webhooks/{hook['id']}/deliveries", status="lost").status_code == 422


def test_unknown_endpoints_are_not_found(api, staff):
    for response in (api(staff).get("/webhooks/whk_nope"), api(staff).post("/webhooks/whk_nope/disable")):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_a_retried_registration_with_an_idempotency_key_creates_one_endpoint(api, staff):
    client = api(staff)
    headers = {"Idempotency-Key": "register-1"}
    first = client.post("/webhooks", {"url": LOCAL}, headers=headers)
    second = client.post("/webhooks", {"url": LOCAL}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert WebhookEndpoint.objects.count() == 1


def test_the_openapi_document_describes_the_webhook_api(api):
    paths = api().get("/openapi.json").json()["paths"]
    assert {"/api/v1/webhooks", "/api/v1/webhooks/{webhook_id}/deliveries"} <= set(paths)
