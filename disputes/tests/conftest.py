from __future__ import annotations

import pytest

from testsupport import factories


@pytest.fixture
def people(make_user):
    """Buyer, seller and a mediator (staff)."""
    return make_user("buyer"), make_user("seller"), make_user("mediator", staff=True)


@pytest.fixture
def order(preset, people, tclock):
    """A delivered order of 100.00 USD (fee 5.00) under the test's preset, old enough for a
    dispute under every preset."""
    buyer, seller, _ = people
    placed = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    return placed
