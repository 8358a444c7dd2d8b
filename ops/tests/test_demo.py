"""Demo seeding runs under every policy a deployment may configure: each preset, and a file
whose timers differ from all of them. The disputes it promises are in the states it promises."""

from __future__ import annotations

import pytest

from disputes.models import Dispute
from disputes.tests.support import presets
from ops import demo
from orders.models import Order


def _dispute_states() -> dict[str, str]:
    return {d.order.listing_snapshot["title"]: d.status for d in Dispute.objects.select_related("order")}


def _assert_seeded() -> None:
    states = _dispute_states()
    assert states == {
        "Game account: level 80 mage": Dispute.Status.ESCALATED,  # the seller never answered
        "Gift card, 25 USD": Dispute.Status.AWAITING_SELLER,
        "Steam key: Hollow Orbit (EU)": Dispute.Status.NEGOTIATING,
    }
    everyday = set(Order.objects.exclude(status=Order.Status.DISPUTED).values_list("status", flat=True))
    assert everyday == {Order.Status.PAID, Order.Status.DELIVERED, Order.Status.COMPLETED}


@presets()
def test_the_demo_seeds_every_dispute_under_each_preset(preset, db):
    assert demo.seed() is True
    _assert_seeded()
    assert demo.seed() is False  # once only


@pytest.mark.parametrize(
    "overrides",
    [
        'extends = "standard"\nmin_order_age = "2h"\n',
        'extends = "igitems"\nmin_order_age = "3h"\nescalation_available_after = "36h"\n',
        'extends = "standard"\nseller_silence_action = "refund_buyer"\nseller_response_due = "12h"\n',
        'extends = "difmark"\nseller_response_due = "none"\n',
    ],
    ids=["late-opening", "igitems-slower", "silence-refunds", "only-the-automatic-escalation"],
)
def test_the_demo_seeds_under_a_policy_file(preset, db, policy_file, overrides):
    policy_file(overrides)

    assert demo.seed() is True

    _assert_seeded()
