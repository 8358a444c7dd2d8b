"""A request that fails after its action ran (a bug in serialising the answer, say) must not
leave the action's effects behind: every write request is one transaction."""

from __future__ import annotations

from api.routers import wallet as wallet_router
from ledger.models import Transaction
from notifications.models import OutboundEmail
from testsupport import factories


def test_a_server_error_after_the_action_rolls_everything_back(api, make_user, monkeypatch):
    user = make_user()

    def broken(*args, **kwargs):
        raise RuntimeError("bug while building the response")

    monkeypatch.setattr(wallet_router, "DepositOut", broken)
    response = api(user).post("/wallet/deposits", {"amount": {"amount": 500, "currency": "USD"}})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "Traceback" not in response.content.decode()
    assert not Transaction.objects.exists()


def test_a_server_error_in_a_web_action_rolls_back_too(client, make_user, monkeypatch):
    from web.views import orders as order_views

    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    client.force_login(seller)
    emails_before = OutboundEmail.objects.count()

    def broken(*args, **kwargs):
        raise RuntimeError("bug after delivering")

    monkeypatch.setattr(order_views.messages, "success", broken)
    client.raise_request_exception = False
    response = client.post(f"/orders/{order.public_id}/deliver/", {"note": "KEY"})
    assert response.status_code == 500
    order.refresh_from_db()
    assert order.status == "paid"
    assert OutboundEmail.objects.count() == emails_before


def test_unknown_api_paths_and_methods_answer_with_problems(api, make_user):
    client = api(make_user())
    missing = client.get("/no-such-thing")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    wrong = client.client.delete("/api/v1/wallet", headers={"Authorization": f"Bearer {client.token}"})
    assert wrong.status_code == 405
    assert wrong.json()["code"] == "method_not_allowed"
    assert "GET" in wrong["Allow"]


def test_failed_logins_count_even_with_an_idempotency_key(api, make_user):
    """A refused request commits what it recorded on the way: the failed-login counter cannot be
    rolled back by sending an Idempotency-Key."""
    make_user("victim")
    attacker = api(make_user("attacker"))
    for attempt in range(10):
        response = attacker.post(
            "/auth/token", {"username": "victim", "password": "guess"}, headers={"Idempotency-Key": f"k{attempt}"}
        )
        assert response.status_code == 401
    blocked = attacker.post(
        "/auth/token",
        {"username": "victim", "password": "correct-horse-battery"},
        headers={"Idempotency-Key": "k-final"},
    )
    assert blocked.status_code == 429


def test_tokens_are_never_remembered_as_idempotent_responses(api, make_user):
    from core.models import IdempotencyKey

    make_user("dana")
    client = api(make_user())
    first = client.post(
        "/auth/token", {"username": "dana", "password": "correct-horse-battery"}, headers={"Idempotency-Key": "same"}
    )
    second = client.post(
        "/auth/token", {"username": "dana", "password": "correct-horse-battery"}, headers={"Idempotency-Key": "same"}
    )
    assert first.status_code == second.status_code == 200
    assert first.json()["token"] != second.json()["token"]
    assert not IdempotencyKey.objects.exists()
