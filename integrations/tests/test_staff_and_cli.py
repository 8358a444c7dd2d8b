from __future__ import annotations

import io
from typing import Any

from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD
from integrations.models import ApiKey
from integrations.queries import digest, key_for_secret


def _staff_browser(make_user: Any) -> Client:
    make_user("carol", staff=True)
    browser = Client()
    assert browser.login(username="carol", password=PASSWORD)
    return browser


def test_staff_create_a_key_on_the_console_and_see_its_secret_once(make_user: Any) -> None:
    browser = _staff_browser(make_user)
    response = browser.post("/staff/api-keys/", {"name": "Shop backend", "scopes": ["users", "act"]})
    assert response.status_code == 200
    key = ApiKey.objects.get()
    secret = response.context["created"][1]
    assert key.digest == digest(secret) and key.scopes == ["users", "act"]
    assert secret.encode() in response.content and response["Cache-Control"].startswith("max-age=0")
    assert secret.encode() not in browser.get("/staff/api-keys/").content


def test_staff_revoke_a_key_on_the_console(make_user: Any, make_key: Any) -> None:
    key, secret = make_key()
    browser = _staff_browser(make_user)
    assert browser.post(f"/staff/api-keys/{key.public_id}/revoke/").status_code == 302
    assert key_for_secret(secret) is None


def test_the_console_page_is_for_staff_only(make_user: Any) -> None:
    make_user("alice")
    browser = Client()
    browser.login(username="alice", password=PASSWORD)
    assert browser.get("/staff/api-keys/").status_code in (302, 403, 404)
    assert browser.post("/staff/api-keys/", {"name": "x"}).status_code in (302, 403, 404)
    assert not ApiKey.objects.exists()


def test_the_command_prints_the_secret_once(db: None) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_key", "create", "--name", "Script", "--scopes", "users", "events", stdout=out, stderr=err)
    secret = out.getvalue().strip()
    key = key_for_secret(secret)
    assert key is not None and key.name == "Script" and key.scopes == ["users", "events"]
    assert key.public_id in err.getvalue() and secret not in err.getvalue()
