from __future__ import annotations

import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from core import timeline
from disputes import actions, export
from disputes.tests.support import decide_now
from testsupport import factories


def test_the_case_file_holds_the_whole_case(client, make_user, tclock):
    buyer, seller, staff = make_user("b"), make_user("s"), make_user("st", staff=True)
    order = factories.delivered_order(buyer, seller, price=50_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")
    evidence = actions.add_evidence(
        dispute_id=dispute.pk, by=buyer, upload=SimpleUploadedFile("proof.png", out.getvalue())
    )
    actions.post_message(dispute_id=dispute.pk, by=seller, body="I sent the right key.")
    tclock.advance(hours=24)
    actions.escalate(dispute_id=dispute.pk, by=buyer)
    decide_now(
        dispute_id=dispute.pk,
        by=staff,
        outcome="partial_refund",
        refund_amount=10_00,
        note="Half the content was missing.",
    )

    client.force_login(buyer)
    response = client.get(f"/disputes/{dispute.public_id}/export.json")
    assert response["Content-Disposition"].startswith("attachment")
    case = json.loads(response.content)
    assert case["dispute"]["id"] == dispute.public_id
    assert case["order"]["listing_snapshot"]["title"] == order.listing_snapshot["title"]
    assert case["evidence"][0]["sha256"] == evidence.sha256
    assert case["chats"]["dispute"][0]["body"] == "I sent the right key."
    assert case["resolution"]["decided_by"] == "administrator"
    assert case["resolution"]["settlement"]["buyer_refund"]["amount"] == 10_00
    codes = [t["code"] for t in case["timeline"]]
    assert codes.index("dispute.opened") < codes.index("dispute.escalated") < codes.index("dispute.decided")
    assert sum(line["amount"] for line in case["ledger"]) == 0  # funding and settlement balance out
    assert all(":" not in line["account"] for line in case["ledger"])  # no internal keys
    assert any("service fee" in line for line in case["rules"]["in_words"])

    printable = client.get(f"/disputes/{dispute.public_id}/print/").content.decode()
    assert evidence.sha256 in printable
    assert "Half the content was missing." in printable


def test_a_listing_edited_during_a_dispute_shows_on_its_timeline(people, tclock):
    from catalog import actions as catalog
    from core.money import Money

    buyer, seller, _ = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    catalog.update_listing(
        listing_id=order.listing_id,
        by=seller,
        title="Game key (EU and US)",
        description="A key for the game, EU region.",
        kind="product",
        price=Money(120_00, "USD"),
        is_active=True,
    )
    lines = [t.text for t in timeline.for_case(order.pk) if t.code == "dispute.listing_changed"]
    assert len(lines) == 1
    assert "title from “Game key” to “Game key (EU and US)”" in lines[0]
    assert f"price from “{Money(100_00, 'USD').format()}” to “{Money(120_00, 'USD').format()}”" in lines[0]
    case = export.case_file(dispute)
    assert any(t["code"] == "dispute.listing_changed" for t in case["timeline"])
