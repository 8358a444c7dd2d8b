"""The party case pages (order, dispute, ticket) as people use them: the layout holds once
evidence exists, the proposal form is honest about what it does, and the page follows the case
live, without a reload."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from core import clock
from disputes import actions as dispute_actions
from disputes.models import Dispute
from policy.active import configured_policy
from testsupport import factories
from tickets.tests.samples import png

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/casepages-shots")
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def parties(person):
    return person("alice"), person("bob")


def opened(buyer, seller, *, reason: str = "incorrect", kind: str = "full_refund", price: int = 40_00) -> Dispute:
    order = factories.delivered_order(buyer, seller, price=price)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    return factories.open_dispute(order, reason=reason, kind=kind)


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def widths(page) -> dict[str, float]:
    return page.evaluate(
        """() => ({
            main: document.querySelector('.cols > div').getBoundingClientRect().width,
            doc: document.documentElement.scrollWidth,
            view: window.innerWidth,
        })"""
    )


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_case_page_keeps_its_layout_once_evidence_exists(page, login, live_server, parties, size):
    alice, bob = parties
    dispute = opened(alice, bob)
    dispute_actions.add_evidence(dispute_id=dispute.pk, by=alice, upload=png("a-screenshot-with-a-long-name.png"))
    page.set_viewport_size(size)
    login(page, "alice")
    for path in (f"/disputes/{dispute.public_id}/", f"/orders/{dispute.order.public_id}/"):
        page.goto(live_server.url + path)
        expect(page.get_by_text("SHA-256", exact=False).first).to_be_attached()
        measured = widths(page)
        name = "dispute" if "disputes" in path else "order"
        snap(page, f"{name}-with-evidence-{size['width']}")
        assert measured["doc"] <= measured["view"], f"{path} is wider than the screen: {measured}"
        if size is DESKTOP:
            assert measured["main"] >= 700, f"{path}: the main column shrank: {measured}"
