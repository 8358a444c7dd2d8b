"""Finding: Idempotency-Key answers expired when the test clock moved 24 hours. How long a
key is remembered follows the real clock: moving the test clock replays, never repeats."""

from __future__ import annotations

from core.models import IdempotencyKey
from ledger.models import Transaction


def test_moving_the_test_clock_does_not_expire_a_key(api, make_user, tclock):
    client = api(make_user())
    body = {"amount": {"amount": 10_00, "currency": "USD"}}
    first = client.post("/wallet/deposits", body, headers={"Idempotency-Key": "dep-1"})
    assert first.status_code == 201
    tclock.advance(hours=30)
    again = client.post("/wallet/deposits", body, headers={"Idempotency-Key": "dep-1"})
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Transaction.objects.filter(kind=Transaction.Kind.DEPOSIT).count() == 1


def test_a_key_expires_after_a_real_day(api, make_user):
    from datetime import timedelta

    from core import clock, idempotency

    client = api(make_user())
    body = {"amount": {"amount": 10_00, "currency": "USD"}}
    client.post("/wallet/deposits", body, headers={"Idempotency-Key": "dep-2"})
    IdempotencyKey.objects.update(created_at=clock.system_now() - timedelta(hours=25))
    assert idempotency.prune() == 1
    assert not IdempotencyKey.objects.exists()
