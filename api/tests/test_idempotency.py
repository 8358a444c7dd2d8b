from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock, idempotency
from core.models import IdempotencyKey
from ledger import queries as ledger
from ledger.models import Transaction
from orders.models import Order
from testsupport import factories


def deposit(client, amount=10_00, key="k-1"):
    return client.post(
        "/wallet/deposits",
        {"amount": {"amount": amount, "currency": "USD"}},
        headers={"Idempotency-Key": key},
    )


def test_same_key_replays_the_first_response_and_moves_money_once(api, make_user):
    user = make_user()
    client = api(user)
    first = deposit(client)
    second = deposit(client)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert ledger.wallet_balance(user, "USD").amount == 10_00
    assert Transaction.objects.filter(kind="deposit").count() == 1


def test_same_key_with_another_body_is_refused(api, make_user):
    client = api(make_user())
    deposit(client, amount=10_00)
    response = deposit(client, amount=20_00)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_a_refused_request_leaves_the_key_free(api, make_user):
    buyer, seller = make_user(), make_user()
    item = factories.listing(seller, price=100_00)
    client = api(buyer)
    refused = client.post("/orders", {"listing_id": item.public_id}, headers={"Idempotency-Key": "o-1"})
    assert refused.status_code == 409 and refused.json()["code"] == "insufficient_funds"
    factories.fund(buyer, 200_00)
    placed = client.post("/orders", {"listing_id": item.public_id}, headers={"Idempotency-Key": "o-1"})
    assert placed.status_code == 201
    again = client.post("/orders", {"listing_id": item.public_id}, headers={"Idempotency-Key": "o-1"})
    assert again.json()["id"] == placed.json()["id"]
    assert Order.objects.count() == 1


def test_keys_are_scoped_to_the_caller(api, make_user):
    alice, bob = make_user(), make_user()
    deposit(api(alice), key="shared")
    response = deposit(api(bob), key="shared")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert ledger.wallet_balance(bob, "USD").amount == 10_00


def test_overlong_key_is_a_validation_problem(api, make_user):
    response = deposit(api(make_user()), key="x" * 300)
    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_a_request_that_looked_before_the_winner_committed_is_rolled_back(api, make_user, monkeypatch):
    # Both requests looked for the key before either had committed, and the other one committed
    # first. The late one must not replace the winner's record: its deposit is rolled back and
    # it answers with the winner's response.
    user = make_user()
    client = api(user)
    first = deposit(client)
    real_stored = idempotency.stored
    looks = []

    def first_look_misses(*args):
        looks.append(args)
        return None if len(looks) == 1 else real_stored(*args)

    monkeypatch.setattr(idempotency, "stored", first_look_misses)
    second = deposit(client)

    assert second.status_code == 201
    assert second.json() == first.json()
    assert Transaction.objects.filter(kind="deposit").count() == 1
    assert ledger.wallet_balance(user, "USD").amount == 10_00


def test_an_expired_key_may_be_used_again(api, make_user):
    user = make_user()
    client = api(user)
    deposit(client)
    # A real day later (keys follow the real clock, not the test clock).
    IdempotencyKey.objects.update(created_at=clock.system_now() - idempotency.RETENTION - timedelta(seconds=1))
    again = deposit(client)
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Transaction.objects.filter(kind="deposit").count() == 2


@pytest.mark.postgres
def test_simultaneous_requests_with_one_key_move_money_once(transactional_db, api, make_user):
    from orders.tests.test_races import race

    user = make_user()
    clients = [api(user) for _ in range(8)]
    outcomes = race(*[lambda c=c: deposit(c, key="together") for c in clients])

    assert not outcomes.crashed and not outcomes.refused
    statuses = sorted(r.status_code for r in outcomes.won)
    assert set(statuses) <= {201, 409}, statuses  # 409: asked while the winner had not committed yet
    bodies = {r.content for r in outcomes.won if r.status_code == 201}
    assert len(bodies) == 1
    assert Transaction.objects.filter(kind="deposit").count() == 1
    assert ledger.wallet_balance(user, "USD").amount == 10_00
