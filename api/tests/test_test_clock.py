from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import override_settings

from orders.models import Order
from testsupport import factories


def test_staff_advance_runs_what_fell_due(api, make_user):
    staff, buyer, seller = make_user(staff=True), make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    client = api(staff)
    before = datetime.fromisoformat(client.get("/test-clock").json()["now"])

    result = client.post("/test-clock/advance", {"seconds": 72 * 3600})

    assert result.status_code == 200
    assert datetime.fromisoformat(result.json()["now"]) == before + timedelta(hours=72)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED


def test_only_staff_may_move_the_clock(api, make_user):
    response = api(make_user()).post("/test-clock/advance", {"seconds": 60})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("seconds", [-5, "60", True, 1.5])
def test_seconds_that_are_not_a_count_are_refused(api, make_user, seconds):
    client = api(make_user(staff=True))
    before = client.get("/test-clock").json()["now"]
    response = client.post("/test-clock/advance", {"seconds": seconds})
    assert response.status_code == 422
    assert client.get("/test-clock").json()["now"] == before


def test_clock_is_404_when_switched_off(api, make_user):
    client = api(make_user(staff=True))
    with override_settings(TEST_CLOCK_ENABLED=False):
        assert client.get("/test-clock").status_code == 404
        assert client.post("/test-clock/advance", {"seconds": 1}).status_code == 404
