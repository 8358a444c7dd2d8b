from __future__ import annotations

import pytest

from accounts.models import ApiToken, User


def test_sign_up_then_log_in_then_me(api):
    anon = api()
    created = anon.post("/users", {"username": "dana", "password": "a-long-passphrase", "email": "dana@example.org"})
    assert created.status_code == 201
    body = created.json()
    assert body["username"] == "dana" and body["id"].startswith("usr_") and body["is_staff"] is False

    token = anon.post("/auth/token", {"username": "dana", "password": "a-long-passphrase"}).json()["token"]
    anon.token = token
    me = anon.get("/me").json()
    assert me["username"] == "dana" and me["balances"] == []
    assert ApiToken.objects.get(user__username="dana").digest != token  # only the digest is stored


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from parley import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "x y!", "password": "a-long-passphrase", "email": "x@example.org"}, "username"),
        ({"username": "erin", "password": "short", "email": "erin@example.org"}, "password"),
        ({"username": "erin", "password": "a-long-passphrase", "email": "not-an-email"}, "email"),
    ],
)
def test_sign_up_rejects_bad_fields_with_a_problem(api, payload, field):
    response = api().post("/users", payload)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert field in {e["field"] for e in problem["errors"]}
    assert not User.objects.filter(username=payload["username"]).exists()


def test_taken_username_is_a_conflict(api, make_user):
    make_user("frank")
    response = api().post("/users", {"username": "Frank", "password": "a-long-passphrase", "email": "f@example.org"})
    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"


def test_wrong_password_is_401_problem(api, make_user):
    make_user("gina")
    response = api().post("/auth/token", {"username": "gina", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"


def test_login_is_rate_limited_per_username(api, make_user):
    make_user("hugo")
    client = api()
    for _ in range(10):
        assert client.post("/auth/token", {"username": "hugo", "password": "wrong"}).status_code == 401
    limited = client.post("/auth/token", {"username": "hugo", "password": "correct-horse-battery"})
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0


def test_me_needs_a_token(api):
    response = api().get("/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["Content-Type"] == "application/problem+json"


def test_a_session_cookie_does_not_authenticate_the_api(api, make_user, client):
    user = make_user("ivy")
    client.force_login(user)
    assert client.get("/api/v1/me").status_code == 401
    assert (
        client.post(
            "/api/v1/wallet/deposits",
            {"amount": {"amount": 100, "currency": "USD"}},
            content_type="application/json",
        ).status_code
        == 401
    )


def test_malformed_json_is_a_422_problem_not_a_500(api, make_user):
    response = api(make_user()).post("/wallet/deposits", raw="{not json")
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_openapi_document_is_served(api):
    response = api().get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.1")
    for path in (
        "/api/v1/orders",
        "/api/v1/wallet/deposits",
        "/api/v1/test-clock/advance",
        "/api/v1/auth/token",
    ):
        assert path in spec["paths"]


def test_docs_page_is_served_without_outside_resources(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn." not in html and "https://" not in html.split("<body", 1)[0]
