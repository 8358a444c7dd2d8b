from __future__ import annotations

from datetime import datetime, timedelta

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


def test_negative_seconds_are_refused(api, make_user):
    response = api(make_user(staff=True)).post("/test-clock/advance", {"seconds": -5})
    assert response.status_code == 422


def test_clock_is_404_when_switched_off(api, make_user):
    client = api(make_user(staff=True))
    with override_settings(TEST_CLOCK_ENABLED=False):
        assert client.get("/test-clock").status_code == 404
        assert client.post("/test-clock/advance", {"seconds": 1}).status_code == 404
