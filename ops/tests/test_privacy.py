"""Export and erasure of a person's data, and the retention jobs. The suite's ledger check runs
after each test, so erasure is shown to leave the books sound."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from accounts.models import ApiToken, User
from chat.models import Message
from core import clock
from core.models import AuditEvent, Deadline, IdempotencyKey
from integrations import actions as integrations
from integrations.models import LoginLink
from ledger.models import Entry
from notifications.models import Notification, OutboundEmail
from ops import retention
from ops.tests.test_worker_processes import PROJECT_ROOT
from orders.models import Order
from testsupport import factories
from webhooks import actions as webhooks
from webhooks.models import Event, WebhookDelivery

PASSWORD = "correct-horse-battery"


def _finished_order(buyer: User, seller: User, tclock) -> Order:
    """An order that reached its end, paid with exactly what the buyer deposited, so the buyer's
    wallet is back at zero."""
    from policy import active, rules

    item = factories.listing(seller, price=30_00)
    fee = rules.buyer_fee(active.current_version().policy, item.price).amount
    factories.fund(buyer, 30_00 + fee)
    from orders import actions as orders

    order = orders.place_order(by=buyer, listing_id=item.pk)
    orders.deliver(order_id=order.pk, by=seller, note="KEY-1")
    tclock.advance(days=30)
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED
    return order


def test_a_person_exports_their_data_and_staff_export_anyone_s(api, make_user, tclock):
    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    order = _finished_order(buyer, seller, tclock)
    Message.objects.create(
        order=order, channel="order", author=buyer, author_role="buyer", body="hello", created_at=clock.now()
    )

    mine = api(buyer).get("/me/export")
    assert mine.status_code == 200
    data = mine.json()
    assert data["format"] == "parley-user-export"
    assert data["profile"]["username"] == buyer.username and data["profile"]["email"] == buyer.email
    assert [o["id"] for o in data["orders"]] == [order.public_id] and data["orders"][0]["role"] == "buyer"
    assert [m["body"] for m in data["messages"]] == ["hello"]
    wallet = data["wallets"][0]
    assert wallet["balance"] == 0 and sum(e["amount"] for e in wallet["entries"]) == 0
    assert {e["transaction__kind"] for e in wallet["entries"]} == {"deposit", "order_funded"}
    assert data["notifications"] and data["activity"]
    json.dumps(data)  # JSON all the way down

    assert api(staff).get(f"/staff/users/{buyer.public_id}/export").json()["profile"]["id"] == buyer.public_id
    refused = api(seller).get(f"/staff/users/{buyer.public_id}/export")
    assert refused.status_code == 403
    assert api(staff).get("/staff/users/usr_nobody/export").status_code == 404


def test_erasure_waits_for_money_and_open_orders(api, make_user):
    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    factories.paid_order(buyer, seller)
    refused = api(staff).post(f"/staff/users/{buyer.public_id}/erase")
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "erasure_blocked"
    assert "wallet holds" in body["detail"] and "have not ended" in body["detail"]
    assert api(buyer).post(f"/staff/users/{seller.public_id}/erase").status_code == 403
    assert User.objects.get(pk=buyer.pk).username == buyer.username


def test_erasure_anonymises_the_person_and_keeps_the_ledger_and_the_case(api, make_user, tclock):
    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    order = _finished_order(buyer, seller, tclock)
    Message.objects.create(
        order=order, channel="order", author=buyer, author_role="buyer", body="hi", created_at=clock.now()
    )
    web = Client()
    assert web.login(username=buyer.username, password=PASSWORD)
    entries_before = Entry.objects.count()
    buyer_client = api(buyer)
    assert OutboundEmail.objects.filter(to=buyer.email).exists()

    erased = api(staff).post(f"/staff/users/{buyer.public_id}/erase")

    assert erased.status_code == 200, erased.content
    assert erased.json() == {"id": buyer.public_id, "username": f"erased-{buyer.public_id}", "erased": True}
    person = User.objects.get(pk=buyer.pk)
    assert (person.email, person.first_name, person.last_name, person.is_active) == ("", "", "", False)
    assert not person.has_usable_password()
    assert not ApiToken.objects.filter(user=person).exists()
    assert buyer_client.get("/me/export").status_code == 401  # the old token is gone
    assert not Notification.objects.filter(user=person).exists()
    assert not OutboundEmail.objects.filter(to=buyer.email).exists()
    assert not Client().login(username=buyer.username, password=PASSWORD)
    assert web.get("/wallet/").status_code == 302  # signed out
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(person.pk)]
    # What the law keeps stays, pointing to the anonymous row.
    assert Entry.objects.count() == entries_before
    assert Order.objects.get(pk=order.pk).buyer_id == person.pk
    assert Message.objects.get(order=order, body="hi").author_id == person.pk
    assert AuditEvent.objects.filter(code="user.erased", actor=staff).count() == 1
    again = api(staff).post(f"/staff/users/{buyer.public_id}/erase")
    assert again.status_code == 200  # erasing twice changes nothing
    export = api(staff).get(f"/staff/users/{buyer.public_id}/export").json()
    assert export["profile"]["email"] == "" and export["profile"]["username"].startswith("erased-")


def test_the_commands_export_and_erase(make_user, tclock):
    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    _finished_order(buyer, seller, tclock)
    out = io.StringIO()
    call_command("export_user", buyer.username, stdout=out)
    assert json.loads(out.getvalue())["profile"]["username"] == buyer.username
    out = io.StringIO()
    call_command("erase_user", buyer.username, "--by", staff.username, stdout=out)
    assert "erased" in out.getvalue()
    assert User.objects.get(pk=buyer.pk).username == f"erased-{buyer.public_id}"


def test_retention_prunes_what_is_past_its_time_and_keeps_the_rest(make_user, settings, tclock):
    settings.RETENTION_EMAIL_DAYS = 90
    buyer, seller = make_user(), make_user()
    factories.paid_order(buyer, seller)
    now = clock.now()
    old = OutboundEmail.objects.create(
        to="a@example.org",
        subject="s",
        body="b",
        next_attempt_at=now,
        created_at=now - timedelta(days=91),
        status="sent",
    )
    recent = OutboundEmail.objects.create(
        to="b@example.org",
        subject="s",
        body="b",
        next_attempt_at=now,
        created_at=now - timedelta(days=89),
        status="sent",
    )
    pending_old = OutboundEmail.objects.create(
        to="c@example.org", subject="s", body="b", next_attempt_at=now, created_at=now - timedelta(days=200)
    )
    Session.objects.create(
        session_key="expired" + "x" * 25, session_data="", expire_date=clock.system_now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="current" + "x" * 25, session_data="", expire_date=clock.system_now() + timedelta(days=1)
    )
    for key, age in (("k-old", 25), ("k-new", 23)):
        IdempotencyKey.objects.create(
            owner=buyer,
            key=key,
            fingerprint="f",
            status_code=200,
            content_type="application/json",
            body=b"{}",
            created_at=clock.system_now() - timedelta(hours=age),  # idempotency keeps real time
        )

    removed = retention.prune()

    assert (removed["emails"], removed["sessions"], removed["idempotency_keys"]) == (1, 1, 1)
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k-new"]
    assert not OutboundEmail.objects.filter(pk=old.pk).exists()
    assert OutboundEmail.objects.filter(pk__in=[recent.pk, pending_old.pk]).count() == 2  # unsent mail stays
    assert list(Session.objects.values_list("session_key", flat=True)) == ["current" + "x" * 25]


def test_retention_prunes_events_deliveries_and_login_links_by_their_settings_and_keeps_the_record(
    make_user, settings, tclock
):
    """Stored webhook events follow `PARLEY_RETENTION_EVENT_DAYS`, deliveries
    `PARLEY_RETENTION_WEBHOOK_DAYS`; spent login links go a day after expiry; the audit trail
    and the ledger, which the law keeps, lose nothing however old."""
    settings.RETENTION_EVENT_DAYS, settings.RETENTION_WEBHOOK_DAYS = 45, 10
    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    hook = webhooks.create_endpoint(by=staff, url="http://127.0.0.1:9/parley", events=())
    key, _ = integrations.create_key(name="shop", scopes=["act"], by=staff)
    integrations.create_login_link(key=key, user=buyer, next_path="/orders/")
    _finished_order(buyer, seller, tclock)
    Deadline.objects.all().delete()  # nothing more happens on the way
    WebhookDelivery.objects.update(status=WebhookDelivery.Status.SENT)
    events, deliveries = Event.objects.count(), WebhookDelivery.objects.filter(endpoint=hook).count()
    audit_trail, ledger_lines = AuditEvent.objects.count(), Entry.objects.count()
    assert events and deliveries and LoginLink.objects.count() == 1

    tclock.advance(days=11)  # past the deliveries' ten days, within the events' 45
    removed = retention.prune()
    assert (removed["webhook_deliveries"], removed["events"], removed["login_links"]) == (deliveries, 0, 1)
    assert Event.objects.count() == events and not LoginLink.objects.exists()

    tclock.advance(days=35)  # 46 days after the events
    assert retention.prune()["events"] == events
    assert not Event.objects.exists()
    assert (AuditEvent.objects.count(), Entry.objects.count()) == (audit_trail, ledger_lines)


def test_the_events_retention_cannot_undercut_what_get_events_promises():
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "parley.test_settings", "PARLEY_RETENTION_EVENT_DAYS": "7"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "PARLEY_RETENTION_EVENT_DAYS=7 is below 30" in done.stderr


def test_export_then_erase_then_the_ledger_check_is_clean_and_still_counts_the_persons_lines(api, make_user, tclock):
    """The pair the law asks for, end to end through the API, then the operator's ledger check:
    the books balance with the person's lines kept, now under an anonymous row."""
    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    _finished_order(buyer, seller, tclock)
    before = api(staff).get("/ledger/check").json()
    assert before["ok"] is True
    exported = api(staff).get(f"/staff/users/{buyer.public_id}/export").json()
    lines = sum(len(wallet["entries"]) for wallet in exported["wallets"])
    assert lines > 0

    assert api(staff).post(f"/staff/users/{buyer.public_id}/erase").status_code == 200

    after = api(staff).get("/ledger/check").json()
    assert after == {**before, "ok": True, "problems": []}  # same counts: nothing was removed
    again = api(staff).get(f"/staff/users/{buyer.public_id}/export").json()
    assert sum(len(wallet["entries"]) for wallet in again["wallets"]) == lines
    assert again["profile"]["username"] == f"erased-{buyer.public_id}"
