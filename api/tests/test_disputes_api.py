"""The dispute endpoints as API.md fixes them: opening with every refusal code, the tabs as each
kind of caller sees them, proposals with their money preview, every step endpoint, the
decision's dry run, evidence uploads (what is accepted, what is refused and never stored, how
it is served), the chat's off-platform flag, and fields a client may not set."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from disputes import actions
from disputes.models import Dispute, Evidence, Proposal
from disputes.tests.support import Books, presets, settlement_amounts
from ledger.models import Entry
from orders import actions as order_actions
from orders.models import Order
from testsupport import factories

MONEY_FIELDS = {"buyer_refund", "fee_refund", "seller_payout", "platform_fee"}


@pytest.fixture
def people(make_user):
    """Buyer, seller, a mediator and someone with no part in any of it."""
    return make_user("buyer"), make_user("seller"), make_user("mediator", staff=True), make_user("stranger")


@pytest.fixture
def order(preset, people, tclock):
    buyer, seller, _, _ = people
    placed = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    return placed


def open_body(order: Order, **changes) -> dict:
    body = {
        "order_id": order.public_id,
        "reason": "incorrect",
        "description": "The key is for the wrong region.",
        "requested_outcome": {"kind": "full_refund"},
        "accept_terms": True,
    }
    return body | changes


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


# Opening --------------------------------------------------------------------------------------


def test_opening_a_dispute_returns_it_awaiting_the_seller(api, order, people):
    buyer, seller, _, _ = people
    response = api(buyer).post("/disputes", open_body(order))
    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("dsp_") and body["order_id"] == order.public_id
    assert (body["status"], body["reason"], body["requested_outcome"]) == (
        "awaiting_seller",
        "incorrect",
        {"kind": "full_refund"},
    )
    assert {d["name"] for d in body["deadlines"]} == {"seller_response", "auto_escalate"}
    assert [p["kind"] for p in body["proposals"]] == ["full_refund"]
    assert {a["action"] for a in body["allowed_actions"]} >= {"message", "propose", "escalate"}


def test_too_early_is_409_with_the_time_it_becomes_possible(api, people, preset):
    buyer, seller, _, _ = people
    order = factories.paid_order(buyer, seller)
    body = problem(api(buyer).post("/disputes", open_body(order)), 409, "dispute_too_early")
    assert body["available_at"].startswith("2026-03-02T10:15:00")
    assert not Dispute.objects.exists()


def test_after_the_guarantee_window_the_window_is_closed(api, people, tclock, preset):
    buyer, seller, _, _ = people
    order = factories.delivered_order(buyer, seller)
    tclock.advance(hours=72)
    problem(api(buyer).post("/disputes", open_body(order)), 409, "dispute_window_closed")


def test_a_confirmed_and_paid_out_order_cannot_be_disputed(api, people, tclock, preset):
    buyer, seller, _, _ = people
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    assert api(buyer).post(f"/orders/{order.public_id}/confirm").status_code == 200
    body = problem(api(buyer).post("/disputes", open_body(order)), 409, "dispute_window_closed")
    assert "paid out" in body["detail"]
    seen = api(buyer).get(f"/orders/{order.public_id}").json()
    (gate,) = [a for a in seen["allowed_actions"] if a["action"] == "open_dispute"]
    assert (gate["allowed"], gate["reason"]) == (False, body["detail"])
    assert not Dispute.objects.exists()


def test_a_second_dispute_on_the_same_order_is_refused(api, order, people):
    buyer, _, _, _ = people
    assert api(buyer).post("/disputes", open_body(order)).status_code == 201
    problem(api(buyer).post("/disputes", open_body(order)), 409, "dispute_already_open")
    assert Dispute.objects.count() == 1


def test_a_cancelled_order_cannot_be_disputed(api, people, tclock, preset):
    buyer, seller, _, _ = people
    order = factories.paid_order(buyer, seller)
    tclock.advance(minutes=15)
    order_actions.cancel(order_id=order.pk, by=seller, reason="Out of stock.")
    problem(api(buyer).post("/disputes", open_body(order)), 409, "not_allowed_in_state")


@pytest.mark.parametrize(
    "changes",
    [
        {"accept_terms": False},
        {"requested_outcome": {"kind": "partial_refund"}},
        {"requested_outcome": {"kind": "partial_refund", "refund_amount": 0}},
        {"requested_outcome": {"kind": "partial_refund", "refund_amount": 100_00}},
        {"requested_outcome": {"kind": "partial_refund", "refund_amount": {"amount": 10_00, "currency": "EUR"}}},
        {"requested_outcome": {"kind": "partial_refund", "refund_amount": "ten"}},
        {"requested_outcome": {"kind": "withdraw"}},
        {"reason": "bored"},
        {"description": ""},
    ],
)
def test_bad_input_is_422_and_opens_nothing(api, order, people, changes):
    buyer, _, _, _ = people
    problem(api(buyer).post("/disputes", open_body(order, **changes)), 422, "validation_error")
    assert not Dispute.objects.exists()
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED


def test_only_the_buyer_opens_and_others_do_not_see_the_order(api, order, people):
    _, seller, _, stranger = people
    problem(api(seller).post("/disputes", open_body(order)), 403, "forbidden")
    problem(api(stranger).post("/disputes", open_body(order)), 404, "not_found")
    assert not Dispute.objects.exists()


def test_a_partial_refund_request_takes_money_or_minor_units(api, order, people):
    buyer, _, _, _ = people
    body = open_body(
        order, requested_outcome={"kind": "partial_refund", "refund_amount": {"amount": 25_00, "currency": "USD"}}
    )
    created = api(buyer).post("/disputes", body).json()
    assert created["requested_outcome"] == {
        "kind": "partial_refund",
        "refund_amount": {"amount": 25_00, "currency": "USD"},
    }
    assert created["proposals"][0]["preview"]["buyer_refund"] == {"amount": 25_00, "currency": "USD"}


# Tabs and visibility -------------------------------------------------------------------------


@pytest.fixture
def four_disputes(people, tclock, preset):
    """One dispute in each tab's interesting state: escalated (waiting on staff), resolved,
    awaiting the seller, and negotiating on the seller's offer (waiting on the buyer)."""
    buyer, seller, _, _ = people
    orders = [factories.delivered_order(buyer, seller) for _ in range(4)]
    tclock.advance(minutes=15)
    escalated = factories.open_dispute(orders[0])
    tclock.advance(hours=48)  # the seller stays silent: escalated
    resolved = factories.open_dispute(orders[1])
    actions.accept_proposal(proposal_id=resolved.proposals.get().pk, by=seller)
    waiting_seller = factories.open_dispute(orders[2])
    waiting_buyer = factories.open_dispute(orders[3])
    actions.reject_proposal(proposal_id=waiting_buyer.proposals.get().pk, by=seller)
    actions.propose(dispute_id=waiting_buyer.pk, by=seller, kind="partial_refund", refund_amount=10_00)
    return {
        "escalated": escalated.public_id,
        "resolved": resolved.public_id,
        "waiting_seller": waiting_seller.public_id,
        "waiting_buyer": waiting_buyer.public_id,
    }


def test_tabs_show_each_caller_their_own_cases(api, people, four_disputes):
    buyer, seller, staff, stranger = people
    d = four_disputes
    everything_open = {d["escalated"], d["waiting_seller"], d["waiting_buyer"]}
    expected = {
        buyer: {
            "open": everything_open,
            "awaiting_me": {d["waiting_buyer"]},
            "escalated": {d["escalated"]},
            "closed": {d["resolved"]},
        },
        seller: {
            "open": everything_open,
            "awaiting_me": {d["waiting_seller"]},
            "escalated": {d["escalated"]},
            "closed": {d["resolved"]},
        },
        staff: {
            "open": everything_open,
            "awaiting_me": {d["escalated"]},
            "escalated": {d["escalated"]},
            "closed": {d["resolved"]},
        },
        stranger: {"open": set(), "awaiting_me": set(), "escalated": set(), "closed": set()},
    }
    for user, tabs in expected.items():
        client = api(user)
        for tab, ids in tabs.items():
            response = client.get("/disputes", tab=tab)
            assert response.status_code == 200
            assert {item["id"] for item in response.json()["items"]} == ids, (user.username, tab)
    problem(api(buyer).get("/disputes", tab="mine"), 422, "validation_error")


def test_a_stranger_gets_404_for_the_dispute_and_everything_in_it(api, people, four_disputes, tmp_path):
    buyer, seller, staff, stranger = people
    dispute = Dispute.objects.get(public_id=four_disputes["escalated"])
    evidence = actions.add_evidence(dispute_id=dispute.pk, by=buyer, upload=upload("shot.png", png()))
    proposal = dispute.proposals.first()
    base = f"/disputes/{dispute.public_id}"
    client = api(stranger)
    before = (Proposal.objects.count(), Evidence.objects.count(), Dispute.objects.get(pk=dispute.pk).status)

    for path in (base, f"{base}/messages", f"{base}/evidence/{evidence.public_id}"):
        problem(client.get(path), 404, "not_found")
    posts = {
        f"{base}/messages": {"body": "hello"},
        f"{base}/proposals": {"kind": "full_refund"},
        f"{base}/proposals/{proposal.public_id}/accept": None,
        f"{base}/proposals/{proposal.public_id}/reject": None,
        f"{base}/escalate": None,
        f"{base}/return/shipped": None,
        f"{base}/return/received": None,
        f"{base}/redelivery/delivered": None,
        f"{base}/redelivery/confirmed": None,
        f"{base}/info-requests": {"party": "buyer", "question": "Why?"},
        f"{base}/info-requests/inf_nothing/answer": {"body": "Because."},
        f"{base}/decision": {"outcome": "full_refund", "note": "Mine."},
        f"{base}/decision?preview=true": {"outcome": "full_refund", "note": "Mine."},
        f"{base}/assign": {"assignee": None},
    }
    for path, body in posts.items():
        problem(client.post(path, body), 404, "not_found")
    multipart = client.client.post(
        f"/api/v1{base}/evidence",
        {"file": upload("x.png", png())},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    problem(multipart, 404, "not_found")
    assert (Proposal.objects.count(), Evidence.objects.count(), Dispute.objects.get(pk=dispute.pk).status) == before


# Proposals and steps ---------------------------------------------------------------------------


def test_proposals_carry_the_money_preview(api, order, people):
    buyer, seller, _, _ = people
    dispute = api(buyer).post("/disputes", open_body(order)).json()
    made = api(seller).post(
        f"/disputes/{dispute['id']}/proposals", {"kind": "partial_refund", "refund_amount": 30_00, "note": "Fair?"}
    )
    assert made.status_code == 201
    proposal = made.json()
    assert (proposal["author_role"], proposal["status"], proposal["refund_amount"]) == (
        "seller",
        "open",
        {"amount": 30_00, "currency": "USD"},
    )
    assert {k: v["amount"] for k, v in proposal["preview"].items()} == {
        "buyer_refund": 30_00,
        "fee_refund": 1_50,
        "seller_payout": 70_00,
        "platform_fee": 3_50,
    }
    for listed in api(buyer).get(f"/disputes/{dispute['id']}").json()["proposals"]:
        assert set(listed["preview"]) == MONEY_FIELDS
        assert all(set(money) == {"amount", "currency"} for money in listed["preview"].values())
    problem(
        api(seller).post(
            f"/disputes/{dispute['id']}/proposals", {"kind": "return_and_refund", "seller_keep_percent": 60}
        ),
        422,
        "keep_too_high",
    )
    problem(api(seller).post(f"/disputes/{dispute['id']}/proposals", {"kind": "withdraw"}), 403, "forbidden")


def test_return_agreed_shipped_and_received_through_the_api(api, order, people):
    buyer, seller, _, _ = people
    dispute = api(buyer).post("/disputes", open_body(order)).json()
    base = f"/disputes/{dispute['id']}"
    offer = api(seller).post(f"{base}/proposals", {"kind": "return_and_refund", "seller_keep_percent": 10}).json()
    problem(api(seller).post(f"{base}/proposals/{offer['id']}/accept"), 403, "forbidden")  # not their own
    before = Books.of(order)

    assert api(buyer).post(f"{base}/proposals/{offer['id']}/accept").json()["status"] == "awaiting_return"
    problem(api(seller).post(f"{base}/return/shipped"), 403, "forbidden")
    assert api(buyer).post(f"{base}/return/shipped", {"note": "Tracking 1Z"}).status_code == 200
    problem(api(buyer).post(f"{base}/return/shipped"), 409, "not_allowed_in_state")
    done = api(seller).post(f"{base}/return/received").json()

    assert done["status"] == "resolved"
    assert {k: done["resolution"][k]["amount"] for k in MONEY_FIELDS} == {
        "buyer_refund": 90_00,
        "fee_refund": 4_50,
        "seller_payout": 10_00,
        "platform_fee": 50,
    }
    assert before.delta(order) == Books(94_50, 10_00, 50)


def test_reject_then_replacement_redelivered_and_confirmed(api, order, people):
    buyer, seller, _, _ = people
    dispute = api(buyer).post("/disputes", open_body(order)).json()
    base = f"/disputes/{dispute['id']}"
    request_id = dispute["proposals"][0]["id"]
    rejected = api(seller).post(f"{base}/proposals/{request_id}/reject", {"note": "Works for me."}).json()
    assert rejected["status"] == "negotiating" and rejected["proposals"][0]["status"] == "rejected"
    problem(api(seller).post(f"{base}/proposals/{request_id}/accept"), 409, "not_allowed_in_state")
    offer = api(seller).post(f"{base}/proposals", {"kind": "replacement"}).json()
    assert api(buyer).post(f"{base}/proposals/{offer['id']}/accept").json()["status"] == "awaiting_redelivery"
    problem(api(buyer).post(f"{base}/redelivery/confirmed"), 409, "not_allowed_in_state")  # nothing yet
    assert api(seller).post(f"{base}/redelivery/delivered", {"note": "KEY-NEW"}).status_code == 200
    done = api(buyer).post(f"{base}/redelivery/confirmed").json()
    assert (done["status"], done["resolution"]["outcome"]) == ("resolved", "delivered")
    assert Order.objects.get(pk=order.pk).status == Order.Status.COMPLETED


def test_escalation_too_early_then_allowed(api, order, people, tclock):
    buyer, _, _, _ = people
    dispute = api(buyer).post("/disputes", open_body(order)).json()
    body = problem(api(buyer).post(f"/disputes/{dispute['id']}/escalate"), 409, "escalation_too_early")
    assert body["available_at"].startswith("2026-03-03T10:15:00")
    tclock.advance(hours=24)
    escalated = api(buyer).post(f"/disputes/{dispute['id']}/escalate").json()
    assert (escalated["status"], escalated["status_label"], escalated["waiting_on"]) == (
        "escalated",
        "Escalated",
        ["staff"],
    )


@presets("difmark")
def test_under_difmark_the_seller_may_not_escalate(api, order, people, tclock, preset):
    buyer, seller, _, _ = people
    dispute = api(buyer).post("/disputes", open_body(order)).json()
    api(seller).post(f"/disputes/{dispute['id']}/messages", {"body": "Let us talk."})
    tclock.advance(hours=71)
    problem(api(seller).post(f"/disputes/{dispute['id']}/escalate"), 403, "forbidden")
    tclock.advance(hours=1)  # the administration steps in by itself
    shown = api(buyer).get(f"/disputes/{dispute['id']}").json()
    assert (shown["status"], shown["status_label"]) == ("escalated", "Involvement of the administration")


def test_information_request_and_answer(api, order, people, tclock):
    buyer, seller, staff, _ = people
    dispute = api(buyer).post("/disputes", open_body(order)).json()
    base = f"/disputes/{dispute['id']}"
    problem(
        api(staff).post(f"{base}/info-requests", {"party": "buyer", "question": "Why?"}), 409, "not_allowed_in_state"
    )
    tclock.advance(hours=48)
    problem(api(buyer).post(f"{base}/info-requests", {"party": "seller", "question": "Why?"}), 403, "forbidden")
    asked = api(staff).post(f"{base}/info-requests", {"party": "buyer", "question": "Screenshot?"})
    assert asked.status_code == 201
    request = asked.json()
    assert request["due_at"].startswith("2026-03-11T10:15:00")
    problem(
        api(seller).post(f"{base}/info-requests/{request['id']}/answer", {"body": "Me!"}), 409, "not_allowed_in_state"
    )
    answered = api(buyer).post(f"{base}/info-requests/{request['id']}/answer", {"body": "Attached."}).json()
    assert (answered["status"], answered["answer"]) == ("answered", "Attached.")


# Decisions ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "decision",
    [
        {"outcome": "partial_refund", "refund_amount": {"amount": 12_34, "currency": "USD"}},
        {"outcome": "partial_refund", "refund_amount": {"amount": 30_00, "currency": "USD"}},  # 30 % of the price
        {"outcome": "release_to_seller"},
        {"outcome": "full_refund"},
    ],
)
def test_the_dry_run_changes_nothing_and_equals_the_decision(api, order, people, tclock, decision):
    buyer, seller, staff, _ = people
    dispute = api(buyer).post("/disputes", open_body(order)).json()
    tclock.advance(hours=48)
    path = f"/disputes/{dispute['id']}/decision"
    body = decision | {"note": "On the evidence."}
    entries, books = Entry.objects.count(), Books.of(order)

    dry = api(staff).post(path + "?preview=true", body)

    assert dry.status_code == 200
    assert (dry.json()["outcome"], dry.json()["effect"]) == (decision["outcome"], "settle")
    assert Entry.objects.count() == entries and Books.of(order) == books
    assert Dispute.objects.get(public_id=dispute["id"]).status == "escalated"
    problem(api(buyer).post(path + "?preview=true", body), 403, "forbidden")

    decided = api(staff).post(path, body).json()

    # Under an appeal window the decision waits, the money still in escrow, until both accept.
    assert (decided["status"], decided["resolution"]["final"]) == ("decided", False)
    assert {k: decided["resolution"][k] for k in MONEY_FIELDS} == dry.json()["preview"]
    assert decided["resolution"]["reasons"]["amounts"] == dry.json()["preview"]
    assert Entry.objects.count() == entries and Books.of(order) == books
    assert api(buyer).post(f"/disputes/{dispute['id']}/decision/accept").json()["status"] == "decided"
    real = api(seller).post(f"/disputes/{dispute['id']}/decision/accept").json()

    assert real["status"] == "resolved"
    assert real["resolution"]["final"] is True
    assert {k: real["resolution"][k] for k in MONEY_FIELDS} == dry.json()["preview"]
    split = {k: v["amount"] for k, v in dry.json()["preview"].items()}
    assert settlement_amounts(Dispute.objects.get(public_id=dispute["id"])) == split
    moved = Books(split["buyer_refund"] + split["fee_refund"], split["seller_payout"], split["platform_fee"])
    assert books.delta(order) == moved  # the wallets show exactly the split of the preview
    problem(api(staff).post(path, body), 409, "not_allowed_in_state")


def test_refused_decisions_carry_their_codes(api, people, tclock, preset):
    buyer, seller, staff, _ = people
    order = factories.delivered_order(buyer, seller, kind="service")
    tclock.advance(minutes=15)
    dispute = api(buyer).post("/disputes", open_body(order, reason="defective")).json()
    path = f"/disputes/{dispute['id']}/decision"
    problem(api(staff).post(path, {"outcome": "full_refund", "note": "x"}), 409, "not_allowed_in_state")
    tclock.advance(hours=48)
    problem(api(staff).post(path + "?preview=true", {"outcome": "full_refund"}), 409, "seller_error_required")
    problem(api(staff).post(path, {"outcome": "full_refund", "note": "x"}), 409, "seller_error_required")
    # A delivered service cannot be given back: nothing to return, whatever the seller keeps.
    keep = {"outcome": "return_and_refund", "seller_keep_percent": 10, "seller_error": True, "note": "x"}
    problem(api(staff).post(path, keep), 409, "nothing_to_return")
    problem(
        api(staff).post(path, {"outcome": "full_refund", "findings": ["bogus"], "note": "x"}), 422, "validation_error"
    )
    problem(api(staff).post(path, {"outcome": "full_refund", "seller_error": True}), 422, "validation_error")
    assert Dispute.objects.get(public_id=dispute["id"]).status == "escalated"


# Evidence -----------------------------------------------------------------------------------


def png(width: int = 32, height: int = 24) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def huge_png_header(width: int = 20_000, height: int = 20_000) -> bytes:
    """A PNG whose header claims a 400-megapixel image (the data never comes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))


def jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x8825] = {2: (52.0, 31.0, 0.0)}  # GPS latitude
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (8, 8)).save(out, format="GIF")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def post_file(client, dispute_id: str, name: str, data: bytes, content_type: str = "image/png"):
    return client.client.post(
        f"/api/v1/disputes/{dispute_id}/evidence",
        {"file": upload(name, data, content_type)},
        headers={"Authorization": f"Bearer {client.token}"},
    )


def stored_files(dispute_id: str) -> set[Path]:
    folder = Path(settings.MEDIA_ROOT) / "evidence" / dispute_id
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


@pytest.fixture
def dispute_id(api, order, people):
    buyer = people[0]
    return api(buyer).post("/disputes", open_body(order)).json()["id"]


def test_evidence_is_hashed_as_stored_and_served_as_an_attachment(api, people, dispute_id):
    buyer, seller, staff, _ = people
    response = post_file(api(buyer), dispute_id, "../../etc/screen shot.png", png())
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"id", "sha256", "content_type", "size"}
    assert (body["content_type"], body["width"], body["height"]) == ("image/png", 32, 24)
    item = Evidence.objects.get(public_id=body["id"])
    stored = Path(item.file.path).read_bytes()
    assert body["sha256"] == hashlib.sha256(stored).hexdigest() and body["size"] == len(stored)
    assert Path(item.file.path).name == f"{item.public_id}.png"  # a server-made name

    for viewer in (buyer, seller, staff):
        download = api(viewer).get(f"/disputes/{dispute_id}/evidence/{body['id']}")
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        assert "/" not in download["Content-Disposition"]
        assert download["X-Content-Type-Options"] == "nosniff"
        assert hashlib.sha256(b"".join(download.streaming_content)).hexdigest() == body["sha256"]
    assert [e["id"] for e in api(seller).get(f"/disputes/{dispute_id}").json()["evidence"]] == [body["id"]]


def test_exif_is_stripped_from_photos(api, people, dispute_id):
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()
    body = post_file(api(people[0]), dispute_id, "photo.jpg", original, "image/jpeg").json()
    stored = Path(Evidence.objects.get(public_id=body["id"]).file.path).read_bytes()
    assert body["content_type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(stored)).getexif()
    assert b"SecretCam" not in stored
    assert Evidence.objects.get(public_id=body["id"]).upload_sha256 == hashlib.sha256(original).hexdigest()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("page.png", b"<!doctype html><script>alert(1)</script>", "image/png"),
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/svg+xml"),
        ("bomb.png", huge_png_header(), "image/png"),
        ("empty.png", b"", "image/png"),
        ("anim.gif", gif(), "image/gif"),
    ],
    ids=["html-as-png", "svg", "huge-pixels", "empty", "gif"],
)
def test_unacceptable_files_are_refused_and_nothing_is_stored(api, people, dispute_id, name, data, content_type):
    problem(post_file(api(people[0]), dispute_id, name, data, content_type), 422, "invalid_file")
    assert not Evidence.objects.exists()
    assert stored_files(dispute_id) == set()


def test_files_over_the_limit_are_refused(api, people, dispute_id, settings):
    settings.EVIDENCE_MAX_BYTES = 1024
    problem(post_file(api(people[0]), dispute_id, "big.png", png(400, 400) + b"\0" * 2048), 422, "invalid_file")
    assert not Evidence.objects.exists() and stored_files(dispute_id) == set()


# Chat and mass assignment ---------------------------------------------------------------------


def test_the_dispute_chat_flags_off_platform_contact(api, people, dispute_id):
    buyer, seller, _, _ = people
    flagged = api(seller).post(f"/disputes/{dispute_id}/messages", {"body": "Add me: bob at gmail dot com"})
    plain = api(buyer).post(f"/disputes/{dispute_id}/messages", {"body": "The key says wrong region."})
    assert flagged.status_code == plain.status_code == 201
    assert flagged.json()["flags"] == ["off_platform_contact"]
    assert plain.json()["flags"] == []
    listed = api(buyer).get(f"/disputes/{dispute_id}/messages").json()["items"]
    assert [m["flags"] for m in listed] == [["off_platform_contact"], []]


def test_fields_a_client_may_not_set_are_never_applied(api, order, people):
    buyer, seller, staff, stranger = people
    created = api(buyer).post(
        "/disputes",
        open_body(order, status="resolved", seller_id=stranger.pk, amount=1, buyer="stranger", settlement={"x": 1}),
    )
    assert created.status_code == 201  # unknown fields are ignored
    assert (created.json()["status"], created.json()["seller"]) == ("awaiting_seller", "seller")
    dispute = Dispute.objects.select_related("order").get(order=order)
    assert (dispute.status, dispute.order.seller_id, dispute.settlement) == ("awaiting_seller", seller.pk, None)
    base = f"/disputes/{dispute.public_id}"
    offer = api(seller).post(
        f"{base}/proposals",
        {"kind": "full_delivery", "status": "accepted", "author_role": "buyer", "refund_amount": None, "amount": 99},
    )
    assert offer.status_code == 201
    assert (offer.json()["status"], offer.json()["author_role"], offer.json()["author"]) == ("open", "seller", "seller")
    said = api(buyer).post(f"{base}/messages", {"body": "mail me: a@b.com", "author_role": "staff", "flags": []})
    assert (said.json()["author_role"], said.json()["flags"]) == ("buyer", ["off_platform_contact"])
    escalate = api(buyer).post(f"{base}/escalate", {"status": "escalated", "escalated_by": "system"})
    assert escalate.status_code == 409  # too early: the body changes nothing
    assert Dispute.objects.get(pk=dispute.pk).status != "escalated"
    assert not Entry.objects.filter(transaction__order=order, transaction__kind="order_settled").exists()


def test_booleans_and_counts_are_not_guessed_from_strings(api, make_user):
    # "yes" is not an agreement to the terms, and "60" is not a number of seconds.
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)
    body = {
        "order_id": order.public_id,
        "reason": "incorrect",
        "description": "Wrong region.",
        "requested_outcome": {"kind": "full_refund"},
    }
    for terms in ("yes", "true", 1):
        answer = api(buyer).post("/disputes", {**body, "accept_terms": terms})
        assert answer.status_code == 422, terms
        assert answer.json()["code"] == "validation_error"
    assert not Dispute.objects.exists()


def test_the_evidence_says_both_digests_the_stored_and_the_uploaded(api, people, dispute_id):
    original = jpeg_with_exif()
    body = post_file(api(people[0]), dispute_id, "photo.jpg", original, "image/jpeg").json()
    stored = Path(Evidence.objects.get(public_id=body["id"]).file.path).read_bytes()
    assert body["uploaded_sha256"] == hashlib.sha256(original).hexdigest()
    assert body["sha256"] == hashlib.sha256(stored).hexdigest() != body["uploaded_sha256"]  # re-encoded
    listed = api(people[0]).get(f"/disputes/{dispute_id}").json()["evidence"][0]
    assert (listed["sha256"], listed["uploaded_sha256"]) == (body["sha256"], body["uploaded_sha256"])
