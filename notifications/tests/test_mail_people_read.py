"""E-mails people read: a text and an HTML part per kind, in the recipient's language and time
zone, naming the item and the other side; chat messages as a digest per case and interval;
optional mail switched off from a signed link."""

from __future__ import annotations

import ast
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core import mail as outbox
from django.template.loader import get_template
from django.test import Client

from core import clock
from notifications import kinds
from notifications import mail as parley_mail
from notifications.models import OutboundEmail
from ops.worker import Worker
from orders import actions as orders
from testsupport import factories

ROOT = Path(__file__).resolve().parents[2]
NOTIFIERS = {"notify", "notify_parties", "_tell"}


def _codes_in_code() -> set[str]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    codes = set()
    for rel in listed.stdout.split():
        if "/tests/" in rel or rel.startswith(("bench/", "testsupport/")) or "testhelpers" in rel:
            continue
        for node in ast.walk(ast.parse((ROOT / rel).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in NOTIFIERS:
                    for keyword in node.keywords:
                        if keyword.arg == "code" and isinstance(keyword.value, ast.Constant):
                            codes.add(str(keyword.value.value))
    return codes


def test_every_kind_has_a_text_and_an_html_template() -> None:
    unlisted = _codes_in_code() - set(kinds.ALL)
    assert not unlisted, f"add these to notifications/kinds.py and give them templates: {sorted(unlisted)}"
    for code in kinds.ALL:
        get_template(f"notifications/mail/{code}.txt")
        get_template(f"notifications/mail/{code}.html")


def test_a_mail_names_the_item_and_the_other_side_in_both_parts(make_user: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    factories.paid_order(buyer, seller)
    Worker().tick()
    (message,) = outbox.outbox
    assert "Game key" in message.subject
    html = message.alternatives[0][0]
    for part in (message.body, html):
        assert "Game key" in part
        assert "anna" in part  # the buyer, to the seller
        assert "http://testserver/orders/ord_" in part
    assert message.alternatives[0][1] == "text/html"
    assert "<html" in html


def test_a_russian_reader_gets_russian_mail_in_their_time_zone(make_user: Any) -> None:
    buyer, seller = make_user(), make_user()
    buyer.language, buyer.time_zone = "ru", "Europe/Moscow"
    buyer.save()
    order = factories.paid_order(buyer, seller)
    orders.deliver(order_id=order.pk, by=seller)
    email = OutboundEmail.objects.get(to=buyer.email, notification__code="order.delivered")
    assert email.subject.startswith("[Parley] Заказ")
    assert "Здравствуйте" in email.body
    assert "Товар: Game key" in email.body
    assert "MSK" in email.body and "UTC" in email.body  # the deadline in Moscow time, UTC beside it
    assert "Открыть заказ" in email.html_body
    # The seller, who chose nothing, reads English.
    assert OutboundEmail.objects.filter(to=seller.email).exclude(body__startswith="Hello").count() == 0


def test_chat_messages_become_one_digest_per_case_and_interval(make_user: Any, settings: Any) -> None:
    settings.CHAT_DIGEST_MINUTES = 30
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    OutboundEmail.objects.all().delete()
    orders.post_message(order_id=order.pk, by=buyer, body="First question")
    Worker().tick()  # the first digest goes at once
    assert OutboundEmail.objects.get(to=seller.email).status == OutboundEmail.Status.SENT

    for text in ("Second question", "Third question"):
        clock.set_test_time(clock.now() + timedelta(minutes=5))
        orders.post_message(order_id=order.pk, by=buyer, body=text)
    pending = OutboundEmail.objects.get(to=seller.email, status=OutboundEmail.Status.PENDING)
    assert "Second question" in pending.body and "Third question" in pending.body
    assert "2 new messages" in pending.body
    Worker().tick()
    assert OutboundEmail.objects.filter(status=OutboundEmail.Status.SENT).count() == 1  # not yet: 30 minutes

    clock.set_test_time(clock.now() + timedelta(minutes=30))
    Worker().tick()
    assert OutboundEmail.objects.filter(to=seller.email, status=OutboundEmail.Status.SENT).count() == 2
    digest = outbox.outbox[-1]
    assert "List-Unsubscribe" in digest.extra_headers
    assert "/mail/unsubscribe/" in digest.body


def test_the_unsubscribe_link_switches_optional_mail_off(make_user: Any) -> None:
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    link = parley_mail.unsubscribe_url(seller).removeprefix("http://testserver")
    client = Client()
    assert "Stop chat digests" in client.get(link).content.decode()
    assert client.post(link).status_code == 200
    seller.refresh_from_db()
    assert seller.optional_email is False
    OutboundEmail.objects.all().delete()
    orders.post_message(order_id=order.pk, by=buyer, body="Anyone there?")
    assert not OutboundEmail.objects.filter(to=seller.email).exists()  # no digest any more
    # A tampered token is refused.
    assert client.get(link[:-3] + "xyz/").status_code == 404


def test_a_russian_readers_mail_writes_money_their_way_in_both_parts(make_user: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    seller.language, seller.time_zone = "ru", "Europe/Moscow"
    seller.save()
    factories.paid_order(buyer, seller, price=1234_50)
    email = OutboundEmail.objects.get(to=seller.email, notification__code="order.placed")
    for part in (email.body, email.html_body):
        assert "1\xa0234,50 USD" in part
        assert "1,234.50" not in part
        for english in ("Hello", "Item:", "paid", "held in escrow", "Open in Parley"):
            assert english not in part
