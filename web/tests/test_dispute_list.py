"""The party dispute list shows each row as the case's read model has it (`case_summaries`):
its status label, whose move it is and the next deadline, for the viewer."""

from __future__ import annotations

from disputes.read_model import CaseSummary
from testsupport import factories


def test_each_row_is_the_cases_summary_for_the_viewer(make_user, client, tclock):
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order, kind="full_refund")
    client.force_login(seller)

    page = client.get("/disputes/")

    ((case, step),) = page.context["rows"]
    assert isinstance(case, CaseSummary) and case.dispute.pk == dispute.pk
    assert (case.party, case.waiting_on) == ("seller", ("seller",))
    assert step is not None and step.mine  # the seller's response is due
    html = page.content.decode()
    assert case.status_label in html and "your move" in html
