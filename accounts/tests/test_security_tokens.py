"""Finding: API tokens never expired and could not be revoked. A token now lives
`API_TOKEN_TTL_DAYS` (real days, not the test clock); its owner lists and revokes their tokens
(`GET /auth/tokens`, `POST /auth/tokens/{id}/revoke`, and the Tokens page); an expired or revoked
token answers 401."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.test import Client

from accounts import actions
from accounts.models import ApiToken
from core import clock

PASSWORD = "correct-horse-battery"


def test_a_token_carries_an_expiry_and_an_expired_token_is_401(api, make_user, settings):
    user = make_user("alice")
    client = api(user)
    assert client.get("/me").status_code == 200
    listed = client.get("/auth/tokens").json()["items"]
    assert len(listed) == 1
    expires = datetime.fromisoformat(listed[0]["expires_at"])
    assert timedelta(days=29) < expires - clock.system_now() <= timedelta(days=30)

    settings.API_TOKEN_TTL_DAYS = 0
    short = api()
    short.token = actions.issue_token(user=user, label="short")
    answer = short.get("/me")
    assert answer.status_code == 401
    assert answer.json()["code"] == "not_authenticated"


def test_expiry_follows_the_real_clock_not_the_test_clock(api, make_user, tclock):
    client = api(make_user("alice"))
    tclock.advance(days=90)
    assert client.get("/me").status_code == 200


def test_the_owner_lists_and_revokes_tokens_and_a_revoked_token_is_401(api, make_user):
    alice = make_user("alice")
    first, second = api(alice), api(alice)
    items = first.get("/auth/tokens").json()["items"]
    assert {i["prefix"] for i in items} == {first.token[:10], second.token[:10]}
    assert all(i["id"].startswith("tok_") and "digest" not in i and "token" not in i for i in items)
    target = next(i for i in items if i["prefix"] == second.token[:10])

    revoked = first.post(f"/auth/tokens/{target['id']}/revoke")
    assert revoked.status_code == 200, revoked.content
    assert revoked.json()["revoked_at"] is not None
    assert second.get("/me").status_code == 401
    assert first.get("/me").status_code == 200


def test_no_one_else_may_see_or_revoke_a_token(api, make_user):
    alice, mallory = api(make_user("alice")), api(make_user("mallory"))
    token_id = alice.get("/auth/tokens").json()["items"][0]["id"]
    assert [i["id"] for i in mallory.get("/auth/tokens").json()["items"]] != [token_id]
    assert mallory.post(f"/auth/tokens/{token_id}/revoke").status_code == 404
    assert alice.get("/me").status_code == 200


def test_the_tokens_page_lists_and_revokes(api, make_user):
    alice = make_user("alice")
    client = api(alice)
    web = Client()
    web.login(username="alice", password=PASSWORD)
    page = web.get("/tokens/").content.decode()
    assert client.token[:10] in page
    token = ApiToken.objects.get()
    assert re.search(rf'action="/tokens/{token.public_id}/revoke/"', page)
    web.post(f"/tokens/{token.public_id}/revoke/")
    assert client.get("/me").status_code == 401
    mallory = Client()
    make_user("mallory")
    mallory.login(username="mallory", password=PASSWORD)
    assert mallory.post(f"/tokens/{token.public_id}/revoke/").status_code == 404
