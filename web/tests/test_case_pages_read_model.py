"""The case pages show money as the case's read model holds it: the buyer's withdrawal preview,
the settlement once resolved, and the message after a withdrawal says what the settlement paid."""

from __future__ import annotations

from typing import Any

from core import clock
from disputes import read_model
from disputes.models import Dispute
from testsupport import factories


def test_a_withdrawal_shows_its_preview_then_the_settlement_it_made(make_user: Any, client: Any, tclock: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, kind="full_refund")
    client.force_login(buyer)

    before = client.get(f"/disputes/{dispute.public_id}/")
    preview = before.context["case"].withdrawal
    assert before.context["withdrawal"] == preview and preview.seller_payout.amount == 100_00
    assert 'data-testid="withdraw"' in before.content.decode()

    done = client.post(f"/disputes/{dispute.public_id}/withdraw/", {"confirm": "withdraw"}, follow=True)
    resolved = Dispute.objects.select_related("order").get(pk=dispute.pk)
    resolution = read_model.case_view(resolved, viewer=buyer, now=clock.now()).resolution
    assert resolution is not None and resolution.final and resolution.split == preview
    page = done.content.decode()
    assert f"{resolution.split.seller_payout} was paid to the seller" in page
    assert done.context["case"].resolution == resolution and done.context["withdrawal"] is None
    assert 'data-testid="resolution"' in page and resolution.split.platform_fee.format() in page


def test_the_staff_case_page_shows_the_resolution_of_the_read_model(make_user: Any, client: Any, tclock: Any) -> None:
    buyer, seller, staff = make_user("anna"), make_user("boris"), make_user("mediator", staff=True)
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, kind="full_refund")
    client.force_login(buyer)
    client.post(f"/disputes/{dispute.public_id}/withdraw/", {"confirm": "withdraw"})
    client.force_login(staff)

    page = client.get(f"/staff/disputes/{dispute.public_id}/")
    resolution = page.context["case"].resolution
    assert resolution is not None and resolution.final and resolution.outcome == "withdrawn"
    html = page.content.decode()
    assert f"<strong>Withdrawn</strong> ({resolution.decided_by}, {resolution.decided_by_user})" in html
