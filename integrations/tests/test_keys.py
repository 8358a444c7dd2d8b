from __future__ import annotations

from typing import Any

from core.models import AuditEvent
from integrations.models import ApiKey
from integrations.queries import digest


def test_staff_create_a_key_whose_secret_is_shown_once_and_stored_as_a_hash(api: Any, make_user: Any) -> None:
    carol = make_user("carol", staff=True)
    response = api(carol).post("/api-keys", {"name": "Shop backend", "scopes": ["users", "events"]})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["id"].startswith("key_") and body["secret"].startswith("psk_")
    assert body["scopes"] == ["users", "events"] and body["last_used_at"] is None
    key = ApiKey.objects.get(public_id=body["id"])
    assert key.digest == digest(body["secret"]) and body["secret"] not in str(key.__dict__.values())
    listed = api(carol).get("/api-keys").json()["items"]
    assert [k["id"] for k in listed] == [body["id"]] and "secret" not in listed[0]
    assert AuditEvent.objects.filter(code="api_key.created", actor=carol).exists()


def test_only_staff_manage_keys(api: Any, make_user: Any, key_api: Any) -> None:
    alice = make_user("alice")
    assert api(alice).post("/api-keys", {"name": "x"}).status_code == 403
    assert api(alice).get("/api-keys").status_code == 403
    assert api().get("/api-keys").status_code == 401
    assert key_api().get("/api-keys").status_code == 403  # a key alone is not staff


def test_unknown_scope_is_refused(api: Any, make_user: Any) -> None:
    response = api(make_user(staff=True)).post("/api-keys", {"name": "x", "scopes": ["root"]})
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_a_revoked_key_is_refused_on_its_next_request(api: Any, make_user: Any, make_key: Any, key_api: Any) -> None:
    key, secret = make_key()
    client = key_api(secret)
    assert client.get("/users").status_code == 200
    response = api(make_user(staff=True)).post(f"/api-keys/{key.public_id}/revoke")
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    refused = client.get("/users")
    assert refused.status_code == 401 and refused["Content-Type"] == "application/problem+json"
    assert secret not in refused.content.decode()


def test_unknown_and_malformed_keys_get_the_same_401(key_api: Any, make_key: Any) -> None:
    _, secret = make_key()
    answers = [key_api(s).get("/users") for s in ("psk_nope", secret[:-1], "psk_", secret + "x")]
    assert {a.status_code for a in answers} == {401}
    assert len({a.json()["detail"] for a in answers}) == 1


def test_a_key_use_is_stamped(make_key: Any, key_api: Any, tclock: Any) -> None:
    key, secret = make_key()
    key_api(secret).get("/users")
    key.refresh_from_db()
    assert key.last_used_at == tclock.now()


def test_a_bad_key_is_refused_on_public_endpoints_too(api: Any, make_user: Any, make_key: Any, key_api: Any) -> None:
    # A backend whose key was revoked must learn it at once, not be served as an anonymous caller.
    key, secret = make_key()
    assert key_api(secret).get("/listings").status_code == 200
    api(make_user(staff=True)).post(f"/api-keys/{key.public_id}/revoke")
    answers = [key_api(s).get("/listings") for s in (secret, "psk_nope", "psk_")]
    assert {a.status_code for a in answers} == {401}
    assert {a["Content-Type"] for a in answers} == {"application/problem+json"}
    assert len({a.json()["detail"] for a in answers}) == 1
    assert key_api(None).get("/listings").status_code == 200  # no key at all: public as before
