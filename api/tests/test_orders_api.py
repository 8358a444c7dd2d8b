"""Orders through the HTTP API, as an integrator would drive them: sign up, deposit, buy with an
Idempotency-Key, chat, deliver, confirm, and get paid; the guarantee window; who may see and
do what; and refusals that are problem+json and write nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from accounts.models import User
from chat.models import Message
from core import clock
from core.models import AuditEvent
from ledger.models import Account, Transaction
from ledger.queries import balance_of
from notifications.models import Notification
from orders.models import Order
from testsupport import factories
from testsupport.state import snapshot

PASSWORD = "a-long-passphrase"


def _sign_up(api, username):
    anon = api()
    created = anon.post("/users", {"username": username, "password": PASSWORD, "email": f"{username}@example.org"})
    assert created.status_code == 201, created.json()
    token = anon.post("/auth/token", {"username": username, "password": PASSWORD})
    assert token.status_code == 200
    anon.token = token.json()["token"]
    return anon


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["detail"] and body["title"] and body["type"].endswith(code)
    return body


def _verdicts(order_json):
    return {v["action"]: v for v in order_json["allowed_actions"]}


def test_a_buyer_and_a_seller_complete_an_order_through_the_api(api, make_user):
    buyer, seller = _sign_up(api, "dana"), _sign_up(api, "sam")
    staff = api(make_user("carol", staff=True))

    deposit = buyer.post("/wallet/deposits", {"amount": {"amount": 150_00, "currency": "USD"}})
    assert deposit.status_code == 201
    assert deposit.json()["balances"] == [{"amount": 150_00, "currency": "USD"}]
    listing = seller.post(
        "/listings",
        {
            "title": "Boosting to Gold",
            "description": "Gold in 3 days",
            "kind": "service",
            "price": {"amount": 100_00, "currency": "USD"},
        },
    )
    assert listing.status_code == 201
    listing_id = listing.json()["id"]

    # Buy, twice with the same key: one order, one escrow movement.
    placed = buyer.post("/orders", {"listing_id": listing_id}, headers={"Idempotency-Key": "buy-1"})
    again = buyer.post("/orders", {"listing_id": listing_id}, headers={"Idempotency-Key": "buy-1"})
    assert placed.status_code == again.status_code == 201
    assert placed.json() == again.json()
    order = placed.json()
    order_id = order["id"]
    assert order_id.startswith("ord_")
    assert (order["status"], order["price"], order["fee"], order["total"]) == (
        "paid",
        {"amount": 100_00, "currency": "USD"},
        {"amount": 5_00, "currency": "USD"},
        {"amount": 105_00, "currency": "USD"},
    )
    assert order["listing_snapshot"]["title"] == "Boosting to Gold"
    assert order["policy"] == {"name": "standard", "version": 1}
    assert Order.objects.count() == 1
    assert Transaction.objects.filter(kind=Transaction.Kind.ORDER_FUNDED).count() == 1
    assert buyer.get("/wallet").json()["balances"] == [{"amount": 45_00, "currency": "USD"}]
    too_early = _verdicts(order)["open_dispute"]
    assert too_early["allowed"] is False
    assert datetime.fromisoformat(too_early["available_at"]) == clock.now() + timedelta(minutes=15)

    # The order chat: an e-mail address is flagged, a plain message is not.
    flagged = buyer.post(f"/orders/{order_id}/messages", {"body": "Reach me at dana@example.org please"})
    plain = seller.post(f"/orders/{order_id}/messages", {"body": "Starting the boost now."})
    assert flagged.status_code == plain.status_code == 201
    assert flagged.json()["flags"] == ["off_platform_contact"]
    assert plain.json()["flags"] == []
    thread = buyer.get(f"/orders/{order_id}/messages").json()
    assert [(m["author"], m["author_role"]) for m in thread["items"]] == [
        ("dana", "buyer"),
        ("sam", "seller"),
    ]
    assert Notification.objects.filter(user__username="sam", code="order.message").count() == 1

    # The seller delivers; the buyer sees what is due, by whom, and what happens otherwise.
    delivered = seller.post(f"/orders/{order_id}/deliver", {"note": "Done: account is Gold now."})
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    seen = buyer.get(f"/orders/{order_id}").json()
    assert seen["delivery_note"] == "Done: account is Gold now."
    due = datetime.fromisoformat(seen["delivered_at"]) + timedelta(hours=72)
    assert seen["deadlines"] == [
        {
            "name": "auto_complete",
            "at": due.isoformat().replace("+00:00", "Z"),
            "party": "buyer",
            "consequence": "the order completes and sam is paid 100.00 USD",
        }
    ]
    verdicts = _verdicts(seen)
    # A buyer may cancel an undelivered order once its delivery is overdue; delivered, no more.
    assert set(verdicts) == {"confirm", "open_dispute", "cancel"}
    assert verdicts["cancel"]["allowed"] is False
    assert verdicts["confirm"]["allowed"] is True
    assert "deliver" not in verdicts  # the buyer never could

    confirmed = buyer.post(f"/orders/{order_id}/confirm", headers={"Idempotency-Key": "confirm-1"})
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "completed"
    assert confirmed.json()["deadlines"] == []
    assert _verdicts(confirmed.json())["open_dispute"]["allowed"] is False

    # Price less commission (0 % in the standard preset) to the seller; the fee to the platform.
    assert seller.get("/wallet").json()["balances"] == [{"amount": 100_00, "currency": "USD"}]
    assert balance_of(Account.objects.get(key="platform:fees:USD")) == 5_00
    entries = seller.get("/wallet/entries").json()["items"]
    assert [(e["kind"], e["amount"]["amount"], e["order_id"]) for e in entries] == [("order_settled", 100_00, order_id)]
    assert AuditEvent.objects.filter(code="order.confirmed", case_id=Order.objects.get().pk).count() == 1

    check = staff.get("/ledger/check")
    assert check.status_code == 200 and check.json()["ok"] is True and check.json()["problems"] == []
    _problem(buyer.get("/ledger/check"), 403, "forbidden")


def test_an_unconfirmed_order_completes_when_the_test_clock_passes_the_window(api, make_user):
    buyer, seller, staff = make_user(), make_user("sam"), make_user(staff=True)
    order = factories.delivered_order(buyer, seller, price=40_00)

    moved = api(staff).post("/test-clock/advance", {"seconds": 72 * 3600 - 1})
    assert moved.json()["ran"] == 1  # only the reminder so far
    assert api(buyer).get(f"/orders/{order.public_id}").json()["status"] == "delivered"

    moved = api(staff).post("/test-clock/advance", {"seconds": 1})

    assert moved.status_code == 200 and moved.json()["ran"] == 1
    seen = api(buyer).get(f"/orders/{order.public_id}").json()
    assert seen["status"] == "completed"
    assert seen["completed_at"] == moved.json()["now"]
    assert api(seller).get("/wallet").json()["balances"] == [{"amount": 40_00, "currency": "USD"}]
    assert Notification.objects.filter(user=seller, code="order.auto_completed").exists()


@pytest.fixture
def deal(make_user):
    buyer, seller, stranger = make_user("buyer"), make_user("seller"), make_user("stranger")
    order = factories.paid_order(buyer, seller)
    from orders import actions

    actions.post_message(order_id=order.pk, by=buyer, body="hello")
    return buyer, seller, stranger, order


def test_someone_elses_order_does_not_exist_for_a_third_user(api, deal):
    _, _, stranger, order = deal
    client = api(stranger)
    before = snapshot()
    path = f"/orders/{order.public_id}"

    _problem(client.get(path), 404, "not_found")
    _problem(client.get(path + "/messages"), 404, "not_found")
    _problem(client.post(path + "/messages", {"body": "let me in"}), 404, "not_found")
    for action in ("deliver", "confirm", "cancel"):
        _problem(client.post(f"{path}/{action}", {}), 404, "not_found")
    assert client.get("/orders").json()["items"] == []
    assert snapshot() == before


def test_staff_see_any_order_but_cannot_act_for_a_party(api, deal, make_user):
    _, _, _, order = deal
    staff = api(make_user(staff=True))
    assert staff.get(f"/orders/{order.public_id}").status_code == 200
    _problem(staff.post(f"/orders/{order.public_id}/confirm"), 403, "forbidden")
    _problem(staff.post(f"/orders/{order.public_id}/deliver", {}), 403, "forbidden")


def test_a_buyer_cannot_deliver_and_a_seller_cannot_confirm(api, deal):
    buyer, seller, _, order = deal
    before = snapshot()
    body = _problem(api(buyer).post(f"/orders/{order.public_id}/deliver", {"note": "x"}), 403, "forbidden")
    assert body["detail"] == "Only the seller can do this."
    _problem(api(seller).post(f"/orders/{order.public_id}/confirm"), 403, "forbidden")
    # The buyer may cancel only once the delivery is overdue (API.md v1 additions).
    early = _problem(api(buyer).post(f"/orders/{order.public_id}/cancel", {}), 409, "cancel_too_early")
    assert early["available_at"]
    assert snapshot() == before


def test_refused_actions_are_problems_with_the_api_codes_and_write_nothing(api, make_user):
    buyer, seller, cheap_buyer = make_user(), make_user(), make_user()
    paid = factories.paid_order(buyer, seller)
    delivered = factories.delivered_order(buyer, seller)
    factories.fund(cheap_buyer, 1_00)
    item = factories.listing(seller, price=50_00)
    paid_path, delivered_path = f"/orders/{paid.public_id}", f"/orders/{delivered.public_id}"
    cases = [
        (lambda: api(buyer).post(f"{paid_path}/confirm"), 409, "not_allowed_in_state"),
        (lambda: api(seller).post(f"{delivered_path}/deliver", {}), 409, "not_allowed_in_state"),
        (lambda: api(seller).post(f"{delivered_path}/cancel", {}), 409, "not_allowed_in_state"),
        (lambda: api(cheap_buyer).post("/orders", {"listing_id": item.public_id}), 409, "insufficient_funds"),
        (lambda: api(seller).post("/orders", {"listing_id": item.public_id}), 409, "own_listing"),
        (lambda: api(buyer).post("/orders", {"listing_id": "lst_nothing"}), 404, "not_found"),
        (lambda: api(buyer).get("/orders/ord_nothing"), 404, "not_found"),
        (lambda: api(buyer).post(f"{paid_path}/messages", {"body": "   "}), 422, "validation_error"),
        (lambda: api(buyer).post(f"{paid_path}/messages", {"body": ""}), 422, "validation_error"),
        (lambda: api(seller).post(f"{paid_path}/deliver", {"note": "x" * 5001}), 422, "validation_error"),
        (
            lambda: api(buyer).post("/orders", {"listing_id": item.public_id, "status": "completed"}),
            201,
            None,
        ),
        (lambda: api().post(f"{paid_path}/confirm"), 401, "not_authenticated"),
    ]
    refusals, accepted = cases[:-2] + cases[-1:], cases[-2]
    before = snapshot()

    for call, status, code in refusals:
        _problem(call(), status, code)

    assert snapshot() == before
    # An extra field is ignored, never applied: the order starts in `paid` like any other.
    response = accepted[0]()
    assert response.status_code == 201 and response.json()["status"] == "paid"


def test_confirming_twice_pays_once(api, make_user):
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller, price=10_00)
    assert api(buyer).post(f"/orders/{order.public_id}/confirm").status_code == 200
    before = snapshot()

    _problem(api(buyer).post(f"/orders/{order.public_id}/confirm"), 409, "not_allowed_in_state")

    assert snapshot() == before
    assert Transaction.objects.filter(order=order, kind=Transaction.Kind.ORDER_SETTLED).count() == 1


def test_lists_are_scoped_to_the_caller_and_filter_by_role_and_status(api, make_user):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    bought = factories.paid_order(alice, bob)
    sold = factories.delivered_order(bob, alice)
    factories.paid_order(carol, bob)  # nothing to do with alice

    client = api(alice)
    ids = lambda **q: [o["id"] for o in client.get("/orders", **q).json()["items"]]  # noqa: E731
    assert ids() == [sold.public_id, bought.public_id]
    assert ids(role="buyer") == [bought.public_id]
    assert ids(role="seller") == [sold.public_id]
    assert ids(status="delivered") == [sold.public_id]
    assert client.get("/orders", status="shipped").status_code == 422
    assert User.objects.count() == 3
    assert Message.objects.count() == 0


@pytest.fixture
def commission_policy(policy_file):
    """A deployment whose policy keeps a 10 % seller commission."""
    policy_file('extends = "standard"\nseller_commission_percent = "10"\n', "commission")


def test_the_seller_is_paid_the_price_less_the_policys_commission(api, make_user, commission_policy):
    buyer, seller = make_user(), make_user("sam")
    order = factories.delivered_order(buyer, seller, price=80_00)
    seen = api(buyer).get(f"/orders/{order.public_id}").json()
    assert seen["policy"]["name"] == "commission"
    assert seen["deadlines"][0]["consequence"] == "the order completes and sam is paid 72.00 USD"

    api(buyer).post(f"/orders/{order.public_id}/confirm")

    assert api(seller).get("/wallet").json()["balances"] == [{"amount": 72_00, "currency": "USD"}]
    assert balance_of(Account.objects.get(key="platform:fees:USD")) == 4_00 + 8_00  # fee + commission
