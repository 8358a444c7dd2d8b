"""Suspending a user (PRODUCT.md §14): who may, what it does to the user's access, listings,
orders, disputes and money, what reinstating undoes, and that every step is on a timeline."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts import actions
from accounts.models import User
from conftest import PASSWORD
from core import clock, timeline
from core.models import AuditEvent
from disputes.models import Dispute
from ledger import queries as ledger_queries
from notifications.models import Notification, OutboundEmail
from orders import actions as orders
from orders.models import Order
from policy.active import configured_policy
from testsupport import factories

REASON = "Keys sold by this account were reported revoked by three buyers."


@pytest.fixture
def staff(make_user):
    return make_user("carol", staff=True)


@pytest.fixture
def seller(make_user):
    return make_user("bob")


@pytest.fixture
def buyer(make_user):
    return make_user("alice")


def suspend(user: User, staff: User, reason: str = REASON) -> User:
    return actions.suspend(user_id=user.pk, by=staff, reason=reason)


def reinstate(user: User, staff: User, reason: str = "The reports were mistaken.") -> User:
    return actions.reinstate(user_id=user.pk, by=staff, reason=reason)


def refresh(order: Order) -> Order:
    return Order.objects.select_related("buyer", "seller", "policy_version").get(pk=order.pk)


def balance(user: User) -> int:
    return ledger_queries.wallet_balance(user, "USD").amount


# The API and who may use it ----------------------------------------------------------------------


def test_staff_suspend_and_reinstate_through_the_api(api, staff, seller):
    client = api(staff)
    body = client.post(f"/users/{seller.public_id}/suspend", {"reason": REASON}).json()
    assert (body["id"], body["username"], body["status"]) == (seller.public_id, "bob", "suspended")
    seller.refresh_from_db()
    assert seller.is_active is False

    body = client.post(f"/users/{seller.public_id}/reinstate", {"reason": "Mistaken reports."}).json()
    assert body["status"] == "active"
    seller.refresh_from_db()
    assert seller.is_active is True
    codes = list(
        AuditEvent.objects.filter(subject_type="user", subject_id=seller.pk).order_by("id").values_list("code", "data")
    )
    assert [(c, d["reason"]) for c, d in codes if c.startswith("user.s") or c.startswith("user.r")] == [
        ("user.suspended", REASON),
        ("user.reinstated", "Mistaken reports."),
    ]


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    return response.json()


def test_only_staff_may_suspend_and_nobody_themselves(api, make_user, staff, seller):
    other = make_user()
    path = f"/users/{seller.public_id}/suspend"
    _problem(api().post(path, {"reason": REASON}), 401, "not_authenticated")
    _problem(api(other).post(path, {"reason": REASON}), 403, "forbidden")
    _problem(api(seller).post(f"/users/{seller.public_id}/suspend", {"reason": REASON}), 403, "forbidden")
    _problem(api(staff).post(f"/users/{staff.public_id}/suspend", {"reason": REASON}), 403, "forbidden")
    _problem(api(staff).post(f"/users/{staff.public_id}/reinstate", {"reason": REASON}), 403, "forbidden")
    _problem(api(staff).post("/users/usr_nobody/suspend", {"reason": REASON}), 404, "not_found")
    seller.refresh_from_db()
    staff.refresh_from_db()
    assert seller.is_active and staff.is_active
    assert not AuditEvent.objects.filter(code="user.suspended").exists()


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 2001}, {"reason": 5}])
def test_the_reason_is_required_and_bounded(api, staff, seller, body):
    _problem(api(staff).post(f"/users/{seller.public_id}/suspend", body), 422, "validation_error")
    seller.refresh_from_db()
    assert seller.is_active


def test_suspending_twice_or_reinstating_an_active_user_is_a_conflict(api, staff, seller):
    client = api(staff)
    _problem(client.post(f"/users/{seller.public_id}/reinstate", {"reason": "x"}), 409, "not_suspended")
    client.post(f"/users/{seller.public_id}/suspend", {"reason": REASON})
    _problem(client.post(f"/users/{seller.public_id}/suspend", {"reason": REASON}), 409, "already_suspended")
    assert AuditEvent.objects.filter(code="user.suspended").count() == 1


def test_a_suspended_staff_member_cannot_suspend_anyone(make_user, staff, seller):
    rogue = make_user("dave", staff=True)
    suspend(rogue, staff)
    rogue.refresh_from_db()
    with pytest.raises(Exception, match="Only the administration"):
        suspend(seller, rogue)


# Access ------------------------------------------------------------------------------------------


def test_the_users_api_token_stops_working(api, staff, seller):
    client = api(seller)
    assert client.get("/me").status_code == 200
    suspend(seller, staff)
    _problem(client.get("/me"), 401, "not_authenticated")
    _problem(
        client.post("/listings", {"title": "x", "kind": "product", "price": {"amount": 100, "currency": "USD"}}),
        401,
        "not_authenticated",
    )
    reinstate(seller, staff)
    assert client.get("/me").status_code == 200


def test_an_open_web_session_stops_working_on_the_next_request(staff, seller):
    browser = Client()
    assert browser.login(username="bob", password=PASSWORD)
    assert browser.get("/orders/").status_code == 200
    suspend(seller, staff)
    response = browser.get("/orders/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_a_suspended_user_cannot_log_in_and_is_told_why(api, staff, seller):
    suspend(seller, staff)
    body = _problem(api().post("/auth/token", {"username": "bob", "password": PASSWORD}), 403, "account_suspended")
    assert "suspended" in body["detail"]
    # A wrong password says nothing about the account.
    _problem(api().post("/auth/token", {"username": "bob", "password": "wrong-password"}), 401, "invalid_credentials")
    page = Client().post("/login/", {"username": "bob", "password": PASSWORD})
    assert b"suspended" in page.content and "_auth_user_id" not in page.client.session


# Statement of reasons ----------------------------------------------------------------------------


def test_the_user_receives_a_statement_of_reasons_by_email_and_in_the_app(staff, seller):
    suspend(seller, staff)
    note = Notification.objects.get(user=seller, code="account.suspended")
    email = OutboundEmail.objects.get(notification=note)
    assert email.to == seller.email
    for text in (REASON, "cannot log in", "listings are hidden", "money stays yours", "reinstate"):
        assert text in note.body and text in email.body

    reinstate(seller, staff, reason="The reports were mistaken.")
    back = Notification.objects.get(user=seller, code="account.reinstated")
    assert "The reports were mistaken." in back.body
    assert "Open it in Parley: http://testserver/" in OutboundEmail.objects.get(notification=back).body


# Listings ----------------------------------------------------------------------------------------


def test_listings_are_hidden_and_cannot_be_ordered_until_reinstated(api, staff, seller, buyer):
    item = factories.listing(seller)
    factories.fund(buyer, 500_00)
    suspend(seller, staff)

    assert api().get("/listings").json()["items"] == []
    assert item.public_id.encode() not in Client().get("/listings/").content
    shown = api().get(f"/listings/{item.public_id}").json()
    assert shown["available"] is False
    before = balance(buyer)
    _problem(api(buyer).post("/orders", {"listing_id": item.public_id}), 409, "seller_unavailable")
    assert balance(buyer) == before and not Order.objects.exists()

    browser = Client()
    browser.login(username="alice", password=PASSWORD)
    page = browser.get(f"/listings/{item.public_id}/")
    assert b"seller-unavailable" in page.content and b"Buy for" not in page.content
    browser.post(f"/listings/{item.public_id}/buy/")
    assert not Order.objects.exists()

    reinstate(seller, staff)
    assert [x["id"] for x in api().get("/listings").json()["items"]] == [item.public_id]
    assert api(buyer).post("/orders", {"listing_id": item.public_id}).status_code == 201
    assert list(
        AuditEvent.objects.filter(subject_type="listing", subject_id=item.pk).values_list("code", flat=True)
    ) == ["listing.created", "listing.hidden", "listing.shown"]


def test_the_seller_still_sees_their_own_listings(staff, seller):
    item = factories.listing(seller)
    suspend(seller, staff)
    from catalog import queries

    assert list(queries.browse(seller=seller, include_inactive=True)) == [item]
    assert list(queries.browse()) == []


def test_an_order_racing_a_suspension_is_refused_inside_its_transaction(staff, seller, buyer, monkeypatch):
    # The suspension commits between the listing check and the escrow posting: the check made
    # under the seller's share lock refuses the order, and nothing is charged.
    item = factories.listing(seller)
    factories.fund(buyer, 500_00)
    from orders import actions as order_actions

    real = order_actions._buyable

    def buyable_then_suspended(listing_id, *, by, lock=False):
        listing = real(listing_id, by=by, lock=lock)
        suspend(seller, staff)
        return listing

    monkeypatch.setattr(order_actions, "_buyable", buyable_then_suspended)
    before = balance(buyer)
    with pytest.raises(Exception, match="suspended") as refused:
        order_actions.place_order(by=buyer, listing_id=item.pk)
    assert refused.value.code == "seller_unavailable"  # type: ignore[attr-defined]
    assert balance(buyer) == before and not Order.objects.exists()


# Orders ------------------------------------------------------------------------------------------


def test_the_buyer_of_an_undelivered_order_may_cancel_at_once_for_a_full_refund(api, staff, seller, buyer):
    order = factories.paid_order(buyer, seller)
    client = api(buyer)
    _problem(client.post(f"/orders/{order.public_id}/cancel", {}), 409, "cancel_too_early")
    funded = balance(buyer)

    suspend(seller, staff)
    notice = Notification.objects.get(user=buyer, code="order.seller_suspended")
    assert "full" in notice.body and notice.link == f"/orders/{order.public_id}/"
    cancel = {v["action"]: v for v in client.get(f"/orders/{order.public_id}").json()["allowed_actions"]}["cancel"]
    assert cancel["allowed"] is True

    body = client.post(f"/orders/{order.public_id}/cancel", {}).json()
    assert body["status"] == "cancelled"
    assert balance(buyer) == funded + order.total.amount  # price and fee, all of it
    assert balance(seller) == 0
    texts = [item.text for item in timeline.for_case(order.pk)]
    assert any("seller's account is suspended" in t and "cancel" in t for t in texts)
    assert any(t.startswith("alice cancelled") for t in texts)


def test_the_buyer_cancels_on_the_order_page(staff, seller, buyer):
    order = factories.paid_order(buyer, seller)
    suspend(seller, staff)
    browser = Client()
    browser.login(username="alice", password=PASSWORD)
    page = browser.get(f"/orders/{order.public_id}/")
    assert b"seller-suspended" in page.content
    browser.post(f"/orders/{order.public_id}/cancel/", {"reason": "The seller's account is suspended."})
    assert refresh(order).status == Order.Status.CANCELLED


def test_a_suspended_sellers_delivered_order_does_not_pay_out_by_itself(tclock, staff, seller, buyer):
    order = factories.delivered_order(buyer, seller)
    suspend(seller, staff)
    assert Notification.objects.filter(user=buyer, code="order.payout_held").exists()

    tclock.advance(days=30)
    assert refresh(order).status == Order.Status.DELIVERED
    assert balance(seller) == 0

    reinstate(seller, staff)
    tclock.advance(seconds=1)  # the guarantee window ended long ago: it completes at once
    assert refresh(order).status == Order.Status.COMPLETED
    assert balance(seller) == order.price_amount
    texts = [item.text for item in timeline.for_case(order.pk)]
    assert any("no longer completes and pays out by itself" in t for t in texts)
    assert any("reinstated: the order completes by itself" in t for t in texts)


def test_reinstating_within_the_guarantee_window_keeps_its_end(tclock, staff, seller, buyer):
    order = factories.delivered_order(buyer, seller)
    ends = order.delivered_at + configured_policy().guarantee_window
    suspend(seller, staff)
    tclock.advance(hours=1)
    reinstate(seller, staff)
    tclock.advance(seconds=int((ends - clock.now()).total_seconds()) - 60)
    assert refresh(order).status == Order.Status.DELIVERED
    tclock.advance(minutes=2)
    assert refresh(order).status == Order.Status.COMPLETED


def test_the_buyer_may_still_confirm_a_held_order(staff, seller, buyer):
    order = factories.delivered_order(buyer, seller)
    suspend(seller, staff)
    orders.confirm(order_id=order.pk, by=buyer)
    assert refresh(order).status == Order.Status.COMPLETED
    assert balance(seller) == order.price_amount  # the money is the seller's, suspended or not


def test_a_suspended_buyers_orders_go_on_and_only_say_so(tclock, staff, seller, buyer):
    order = factories.delivered_order(buyer, seller)
    suspend(buyer, staff)
    tclock.advance(days=4)
    assert refresh(order).status == Order.Status.COMPLETED
    assert any("buyer's account is suspended" in i.text for i in timeline.for_case(order.pk))


# Disputes and money ------------------------------------------------------------------------------


def test_open_disputes_go_to_the_administration_with_the_reason_on_the_timeline(staff, seller, buyer, make_user):
    dispute = factories.dispute_of(buyer)  # buyer vs some seller
    own_sale = factories.delivered_order(make_user(), buyer)  # the same user as a seller elsewhere
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    second = factories.open_dispute(own_sale)

    suspend(buyer, staff)
    for d in (dispute, second):
        d.refresh_from_db()
        assert d.status == Dispute.Status.ESCALATED
        texts = [i.text for i in timeline.for_case(d.order_id)]
        party = "buyer" if d.pk == dispute.pk else "seller"
        assert f"The {party}'s account is suspended: the case goes to the administration" in texts
        assert "Parley brought in the administration" in texts
    event = AuditEvent.objects.get(code="user.suspended")
    assert event.data["disputes_escalated"] == 2

    reinstate(buyer, staff)
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ESCALATED  # a mediator keeps the case
    assert any("reinstated" in i.text for i in timeline.for_case(dispute.order_id))


def test_an_escalated_dispute_stays_escalated_and_records_the_suspension(tclock, staff, buyer):
    dispute = factories.dispute_of(buyer)
    tclock.advance(days=4)  # auto-escalation
    dispute.refresh_from_db()
    assert dispute.status == Dispute.Status.ESCALATED
    suspend(dispute.order.seller, staff)
    assert AuditEvent.objects.filter(code="dispute.party_suspended", subject_id=dispute.pk).count() == 1
    assert AuditEvent.objects.filter(code="dispute.escalated", subject_id=dispute.pk).count() == 1


def test_their_money_stays_theirs(staff, seller, buyer):
    factories.fund(seller, 40_00)
    factories.paid_order(buyer, seller)
    before = (balance(seller), balance(buyer))
    suspend(seller, staff)
    reinstate(seller, staff)
    assert (balance(seller), balance(buyer)) == before


# The staff page ----------------------------------------------------------------------------------


def test_staff_find_a_user_see_the_consequences_and_suspend_with_a_reason(staff, seller, buyer):
    factories.listing(seller)
    factories.paid_order(buyer, seller)
    browser = Client()
    browser.login(username="carol", password=PASSWORD)
    found = browser.get("/staff/users/", {"q": "bo"})
    assert seller.public_id.encode() in found.content
    page = browser.get(f"/staff/users/{seller.public_id}/")
    assert b"Buyers of their undelivered orders may cancel at once" in page.content
    assert b"Their money stays theirs" in page.content
    assert page.context["exposure"].undelivered_sales == 1 and page.context["exposure"].listings == 2

    refused = browser.post(f"/staff/users/{seller.public_id}/suspend/", {"reason": ""}, follow=True)
    assert b"Write the reason" in refused.content
    seller.refresh_from_db()
    assert seller.is_active

    browser.post(f"/staff/users/{seller.public_id}/suspend/", {"reason": REASON})
    seller.refresh_from_db()
    assert not seller.is_active
    page = browser.get(f"/staff/users/{seller.public_id}/")
    assert page.context["status"] == "suspended"
    assert REASON.encode() in page.content
    assert seller.public_id.encode() in browser.get("/staff/users/").content  # listed as suspended

    browser.post(f"/staff/users/{seller.public_id}/reinstate/", {"reason": "Cleared."})
    seller.refresh_from_db()
    assert seller.is_active


def test_the_staff_page_is_for_staff_and_refuses_suspending_oneself(staff, seller):
    browser = Client()
    browser.login(username="bob", password=PASSWORD)
    assert browser.get("/staff/users/").status_code == 403
    assert browser.post(f"/staff/users/{staff.public_id}/suspend/", {"reason": REASON}).status_code == 403
    staff.refresh_from_db()
    assert staff.is_active

    browser.login(username="carol", password=PASSWORD)
    page = browser.get(f"/staff/users/{staff.public_id}/")
    assert b"You cannot suspend yourself" in page.content
    browser.post(f"/staff/users/{staff.public_id}/suspend/", {"reason": REASON})
    staff.refresh_from_db()
    assert staff.is_active


def test_every_buyer_of_an_undelivered_order_is_told(staff, seller, make_user):
    buyers = [make_user() for _ in range(3)]
    for person in buyers:
        factories.paid_order(person, seller)
    suspend(seller, staff)
    told = Notification.objects.filter(code="order.seller_suspended").values_list("user_id", flat=True)
    assert sorted(told) == sorted(b.pk for b in buyers)
    assert AuditEvent.objects.get(code="user.suspended").data["orders_cancellable"] == 3
