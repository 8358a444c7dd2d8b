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


def test_nul_in_a_json_body_is_a_validation_problem_and_creates_nothing(api, make_user):
    from catalog.models import Listing

    client = api(make_user())
    body = {"title": "Key\x00card", "kind": "product", "price": {"amount": 100, "currency": "USD"}}
    answer = client.post("/listings", body)
    assert answer.status_code == 422
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_error"
    assert "NUL" in answer.json()["detail"]
    assert client.post("/listings", {"\x00": 1, **body, "title": "Key card"}).status_code == 422  # keys too
    assert not Listing.objects.exists()


def test_the_text_backslash_u0000_is_ordinary_text(api, make_user):
    client = api(make_user())
    body = {"title": "Escape \\u0000 shown", "kind": "product", "price": {"amount": 100, "currency": "USD"}}
    answer = client.post("/listings", body)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["title"] == "Escape \\u0000 shown"


def test_nul_in_a_path_or_query_is_refused_before_any_lookup(api, make_user):
    client = api(make_user())
    assert client.get("/orders/ord_\x00x").status_code == 404
    assert client.get("/orders/ord_\x00x").json()["code"] == "not_found"
    listed = client.get("/disputes", status="open\x00")
    assert listed.status_code == 422
    assert listed.json()["code"] == "validation_error"


def test_nul_in_a_form_field_is_refused_on_the_web_and_in_multipart_api_calls(client, make_user, api):
    from tickets.models import Ticket

    user = make_user()
    client.force_login(user)
    page = client.post("/tickets/new/", {"subject": "Help", "category": "other", "body": "a\x00b"})
    assert page.status_code == 422
    assert b"NUL" in page.content
    from tickets import actions as tickets

    ticket = tickets.open_ticket(by=user, subject="Help", category="other", body="A question.")
    caller = api(user)
    multipart = caller.client.post(
        f"/api/v1/tickets/{ticket.public_id}/replies/with-files",
        {"body": "More\x00"},
        headers={"Authorization": f"Bearer {caller.token}"},
    )
    assert multipart.status_code == 422
    assert multipart.json()["code"] == "validation_error"
    assert Ticket.objects.count() == 1
    assert ticket.messages.count() == 1


def test_nul_is_found_whatever_content_type_the_client_claims(api, make_user):
    # The API parses a JSON body even when the client calls it text/plain.
    from tickets.models import Ticket

    caller = api(make_user())
    answer = caller.client.post(
        "/api/v1/tickets",
        data='{"subject": "nul\\u0000", "category": "other", "body": "a"}',
        content_type="text/plain",
        headers={"Authorization": f"Bearer {caller.token}"},
    )
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_error"
    assert not Ticket.objects.exists()


def test_nul_is_found_in_json_labelled_as_a_form(api, make_user):
    from tickets.models import Ticket

    caller = api(make_user())
    answer = caller.client.post(
        "/api/v1/tickets",
        data='{"subject": "nul\\u0000", "category": "other", "body": "a"}',
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {caller.token}"},
    )
    assert answer.status_code == 422
    assert not Ticket.objects.exists()


def test_thirty_two_levels_are_fine_and_thirty_three_are_not():
    from core.http import MAX_JSON_DEPTH, _has_nul, _TooDeep

    def nested(levels):
        value = "text"
        for _ in range(levels):
            value = [value]
        return value

    assert _has_nul(nested(MAX_JSON_DEPTH)) is False
    with pytest.raises(_TooDeep):
        _has_nul(nested(MAX_JSON_DEPTH + 1))
    assert _has_nul({"a": [{"b": "x\x00"}]}) is True


@pytest.mark.parametrize("depth", [40, 500, 5000])
def test_json_nested_deeper_than_any_request_of_ours_is_refused_not_a_crash(api, depth):
    body = '{"username": ' + "[" * depth + "]" * depth + ', "password": "x"}'
    answer = api().post("/auth/token", raw=body)
    assert answer.status_code == 422
    assert answer.json()["code"] == "validation_error"
    assert "nested" in answer.json()["detail"]


def test_a_form_sent_to_a_json_endpoint_is_a_bad_request(api, make_user):
    anonymous = api().client.post("/api/v1/auth/token", {"username": "alice", "password": "x"})  # multipart
    assert anonymous.status_code == 400
    assert anonymous["Content-Type"] == "application/problem+json"
    assert "JSON" in anonymous.json()["detail"]
    caller = api(make_user())
    deposit = caller.client.post(
        "/api/v1/wallet/deposits",
        {"amount": "100"},
        headers={"Authorization": f"Bearer {caller.token}", "Idempotency-Key": "form-1"},
    )
    assert deposit.status_code == 400
