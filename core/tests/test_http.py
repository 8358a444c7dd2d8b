from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from core.http import client_ip


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.1"),  # no proxy trusted: the header is the client's claim
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # one proxy: its entry, not the spoofed one
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (1, "", "10.0.0.1"),
    ],
)
def test_client_ip_trusts_only_the_configured_proxies(hops, forwarded, expected):
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **headers)
    with override_settings(TRUSTED_PROXY_HOPS=hops):
        assert client_ip(request) == expected


@override_settings(WRITE_RATE_LIMIT=(5, 60))
def test_writes_are_throttled_per_user_and_refusals_say_when_to_retry(api, make_user):
    user, other = make_user(), make_user()
    client = api(user)
    answers = [
        client.post(
            "/listings", {"title": "x", "kind": "product", "price": {"amount": 100, "currency": "USD"}}
        ).status_code
        for _ in range(7)
    ]
    assert answers[:5] == [201] * 5
    assert answers[5:] == [429, 429]
    limited = client.post("/listings", {"title": "x", "kind": "product", "price": {"amount": 100, "currency": "USD"}})
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    assert client.get("/listings").status_code == 200  # reads are not limited
    assert (
        api(other)
        .post("/listings", {"title": "y", "kind": "product", "price": {"amount": 100, "currency": "USD"}})
        .status_code
        == 201
    )


@override_settings(WRITE_RATE_LIMIT=(2, 60))
def test_web_writes_are_throttled_with_a_page(client, make_user):
    client.force_login(make_user())
    for _ in range(2):
        client.post("/notifications/read-all/")
    response = client.post("/notifications/read-all/")
    assert response.status_code == 429
    assert b"Too many" in response.content


@override_settings(SIGNUP_RATE_LIMIT=(2, 3600))
def test_sign_ups_are_throttled_per_address(api):
    anon = api()
    codes = [
        anon.post(
            "/users", {"username": f"n{i}", "password": "a-long-passphrase", "email": f"n{i}@example.org"}
        ).status_code
        for i in range(3)
    ]
    assert codes == [201, 201, 429]

