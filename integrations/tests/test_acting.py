"""Provisioned users, acting on behalf of a user, and what the timeline says about it."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import User
from core.models import AuditEvent
from testsupport import factories


def _provision(client: Any, external_id: str = "m-1", **extra: Any) -> Any:
    return client.post("/users", {"external_id": external_id, "email": f"{external_id}@shop.example", **extra})


def test_a_key_provisions_a_user_without_a_password(key_api: Any) -> None:
    client = key_api()
    response = _provision(client, "m-42", display_name="Alice A.", metadata={"crm": "c-9"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("usr_") and body["external_id"] == "m-42"
    assert body["display_name"] == "Alice A." and body["metadata"] == {"crm": "c-9"} and body["status"] == "active"
    user = User.objects.get(public_id=body["id"])
    assert not user.has_usable_password()
    event = AuditEvent.objects.get(code="user.provisioned")
    assert event.data["via_key"]["name"] == "Shop backend"
    assert client.get(f"/users/{body['id']}").json() == body
    assert client.get("/users", external_id="m-42").json()["items"] == [body]
    assert client.get("/users", external_id="m-43").json()["items"] == []


def test_a_repeated_external_id_is_a_conflict_naming_the_existing_user(key_api: Any) -> None:
    client = key_api()
    first = _provision(client).json()
    again = _provision(client)
    assert again.status_code == 409
    assert again.json()["code"] == "external_id_taken" and again.json()["existing_id"] == first["id"]


@pytest.mark.parametrize(
    "metadata",
    [{f"k{i}": "v" for i in range(21)}, {"x" * 41: "v"}, {"k": "v" * 501}, {"k": 1}, {"": "v"}],
)
def test_metadata_beyond_the_limits_is_refused_naming_the_field(key_api: Any, metadata: Any) -> None:
    response = _provision(key_api(), metadata=metadata)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"
    assert "metadata" in str(response.json()["errors"])


def test_metadata_at_the_limits_is_kept(key_api: Any) -> None:
    metadata = {f"{i:02d}" + "k" * 38: "v" * 500 for i in range(20)}
    assert _provision(key_api(), metadata=metadata).json()["metadata"] == metadata


def test_sign_up_without_a_key_still_works_and_provisioning_needs_one(api: Any, make_user: Any) -> None:
    response = api().post("/users", {"username": "zed", "password": "long-enough-pass", "email": "z@example.org"})
    assert response.status_code == 201 and response.json()["username"] == "zed"
    assert _provision(api()).status_code == 401
    assert _provision(api(make_user())).status_code == 403


def test_a_key_without_the_users_scope_cannot_provision(make_key: Any, key_api: Any) -> None:
    _, secret = make_key(scopes=["events"])
    assert _provision(key_api(secret)).status_code == 403


def test_on_behalf_of_acts_as_that_user_and_the_timeline_names_the_key(key_api: Any, make_user: Any) -> None:
    client = key_api()
    buyer = User.objects.get(public_id=_provision(client, "b").json()["id"])
    seller = User.objects.get(public_id=_provision(client, "s").json()["id"])
    order = factories.paid_order(buyer, seller)
    response = client.as_user(seller.public_id).post(f"/orders/{order.public_id}/deliver", {"note": "KEY"})
    assert response.status_code == 200, response.content
    event = AuditEvent.objects.get(code="order.delivered")
    assert event.actor == seller and event.data["via_key"]["id"].startswith("key_")
    timeline = client.as_user(buyer.public_id).get(f"/orders/{order.public_id}").json()
    assert response.json()["status"] == "delivered"
    from core.timeline import for_case

    texts = [item.text for item in for_case(order.pk)]
    assert any(f"{seller.username} (via key Shop backend)" in t for t in texts), texts
    assert timeline["status"] == "delivered"


def test_on_behalf_of_a_stranger_sees_nothing_of_the_order(key_api: Any, make_user: Any) -> None:
    client = key_api()
    order = factories.paid_order(make_user(), make_user())
    stranger = make_user()
    assert client.as_user(stranger.public_id).get(f"/orders/{order.public_id}").status_code == 404


def test_on_behalf_of_unknown_is_404_and_suspended_is_403(key_api: Any, make_user: Any) -> None:
    client = key_api()
    assert client.as_user("usr_nobody").get("/me").status_code == 404
    for odd in ("usr_\x00", "ord_x", "usr_" + "a" * 5000, "usr_ABC"):
        assert client.as_user(odd).get("/me").status_code == 404
    suspended = make_user()
    suspended.is_active = False
    suspended.save()
    assert client.as_user(suspended.public_id).get("/me").status_code == 403


def test_a_key_acts_for_staff_only_with_the_staff_scope(make_key: Any, key_api: Any, make_user: Any) -> None:
    carol = make_user("carol", staff=True)
    assert key_api().as_user(carol.public_id).get("/ledger/check").status_code == 403
    _, secret = make_key(scopes=["act", "staff"])
    assert key_api(secret).as_user(carol.public_id).get("/ledger/check").status_code == 200


def test_a_key_alone_reaches_only_key_endpoints_and_a_token_never_does(key_api: Any, api: Any, make_user: Any) -> None:
    assert key_api().get("/me").status_code == 403
    alice = make_user()
    assert api(alice).get("/users").status_code == 403
    assert api(alice).post(f"/users/{alice.public_id}/login-links", {}).status_code == 403
    response = api(alice).client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {api(alice).token}", "Parley-On-Behalf-Of": alice.public_id}
    )
    assert response.status_code == 403


def test_a_webhook_payload_names_both_the_user_and_the_key(key_api: Any, make_user: Any) -> None:
    from webhooks import actions as webhooks
    from webhooks.models import WebhookDelivery

    webhooks.create_endpoint(by=make_user(staff=True), url="http://127.0.0.1:8129/hook", events=())
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    client = key_api()
    assert client.as_user(seller.public_id).post(f"/orders/{order.public_id}/deliver", {"note": "K"}).status_code == 200
    payload = WebhookDelivery.objects.get(event_code="order.delivered").payload
    assert payload["data"]["actor"]["user_id"] == seller.public_id
    assert payload["data"]["actor"]["key_id"].startswith("key_")
    assert payload["data"]["via_key"]["name"] == "Shop backend"
