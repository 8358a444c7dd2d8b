from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client

from accounts.models import User


@pytest.fixture
def provisioned(key_api: Any) -> tuple[Any, User]:
    client = key_api()
    body = client.post("/users", {"external_id": "m-1", "email": "m1@shop.example"}).json()
    return client, User.objects.get(public_id=body["id"])


def _link(client: Any, user: User, **body: Any) -> Any:
    return client.post(f"/users/{user.public_id}/login-links", body)


def test_a_login_link_logs_in_once_and_goes_to_next(provisioned: Any, tclock: Any) -> None:
    client, user = provisioned
    response = _link(client, user, next="/orders/")
    assert response.status_code == 201, response.content
    url = urlsplit(response.json()["url"])
    assert response.json()["expires_at"].startswith("2026-03-02T10:05:00")
    browser = Client()
    opened = browser.get(url.path)
    assert opened.status_code == 302 and opened["Location"] == "/orders/"
    assert int(browser.session["_auth_user_id"]) == user.pk
    again = Client().get(url.path)
    assert again.status_code == 404 and "_auth_user_id" not in again.client.session
    assert b"already used" in again.content


def test_an_expired_link_logs_no_one_in(provisioned: Any, tclock: Any) -> None:
    client, user = provisioned
    path = urlsplit(_link(client, user).json()["url"]).path
    tclock.advance(minutes=5)
    browser = Client()
    response = browser.get(path)
    assert response.status_code == 404 and b"expired" in response.content
    assert "_auth_user_id" not in browser.session


def test_a_link_just_before_expiry_works(provisioned: Any, tclock: Any) -> None:
    client, user = provisioned
    path = urlsplit(_link(client, user).json()["url"]).path
    tclock.advance(minutes=4, seconds=59)
    assert Client().get(path).status_code == 302


@pytest.mark.parametrize(
    "next_path", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "evil", "javascript:alert(1)"]
)
def test_a_foreign_next_is_refused(provisioned: Any, next_path: str) -> None:
    client, user = provisioned
    response = _link(client, user, next=next_path)
    assert response.status_code == 422 and response.json()["code"] == "validation_error"


def test_an_unknown_token_shows_a_clear_page(db: None) -> None:
    response = Client().get("/login-links/not-a-token/")
    assert response.status_code == 404 and b"cannot log you in" in response.content


def test_a_suspended_user_gets_no_link_and_cannot_use_one(provisioned: Any) -> None:
    client, user = provisioned
    path = urlsplit(_link(client, user).json()["url"]).path
    user.is_active = False
    user.save()
    browser = Client()
    assert browser.get(path).status_code == 403 and "_auth_user_id" not in browser.session
    assert _link(client, user).status_code == 403


def test_a_key_logs_in_staff_only_with_the_staff_scope(make_user: Any, make_key: Any, key_api: Any) -> None:
    carol = make_user("carol", staff=True)
    assert _link(key_api(), carol).status_code == 403
    _, secret = make_key(scopes=["users", "staff"])
    assert _link(key_api(secret), carol).status_code == 201
