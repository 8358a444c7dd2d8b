# ruff: noqa: RUF001 -- Russian sentences: their letters are Cyrillic on purpose
"""The case timeline tells audit events as sentences, naming who acted."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import translation

from core import timeline
from orders import actions
from testsupport import factories


def test_an_orders_timeline_reads_as_sentences_with_usernames_as_written(make_user, tclock):
    buyer, seller = make_user("alice"), make_user("bob")
    order = factories.delivered_order(buyer, seller, price=19_99)
    tclock.advance(hours=72)

    items = timeline.for_case(order.pk)

    assert [item.text for item in items] == [
        "alice placed the order and paid 19.99 USD plus a 1.00 USD service fee into escrow",
        "bob marked the order delivered",
        "Escrow settled (completed): 0.00 USD refunded, 0.00 USD fee refunded, 19.99 USD to the seller, "
        "1.00 USD platform fee",
        "The guarantee window ended without confirmation or dispute; the order completed",
    ]
    assert [item.actor for item in items] == ["alice", "bob", "Parley", "Parley"]
    assert items[-1].rule == "guarantee_window"
    assert items[-1].at == order.delivered_at + timedelta(hours=72)


def test_the_administration_is_named_as_such(make_user):
    buyer, seller, staff = make_user("alice"), make_user("bob"), make_user("carol", staff=True)
    order = factories.paid_order(buyer, seller)
    actions.cancel(order_id=order.pk, by=staff, reason="Listing removed")

    texts = [item.text for item in timeline.for_case(order.pk)]

    assert "The administration (carol) cancelled the order" in texts


def test_a_russian_reader_reads_the_same_events_in_russian(make_user: Any, tclock: Any) -> None:
    buyer, seller, staff = make_user("alice"), make_user("bob"), make_user("carol", staff=True)
    order = factories.delivered_order(buyer, seller, price=1234_50)
    tclock.advance(hours=72)
    cancelled = factories.paid_order(buyer, seller)
    actions.cancel(order_id=cancelled.pk, by=staff, reason="Listing removed")

    items = timeline.for_case(order.pk)
    with translation.override("ru"):
        texts = [item.text for item in items]
        cancelling = [item.text for item in timeline.for_case(cancelled.pk)]

    assert texts == [
        "alice: заказ оформлен и оплачен — 1\xa0234,50 USD и сервисный сбор 61,73 USD удерживаются на эскроу",
        "bob: заказ отмечен как переданный",
        "Расчёт по эскроу (завершён): возвращено покупателю 0,00 USD, возвращено сбора 0,00 USD, "
        "продавцу 1\xa0234,50 USD, комиссия площадки 61,73 USD",
        "Гарантийный срок истёк без подтверждения и без спора; заказ завершён",
    ]
    assert "Администрация (carol): заказ отменён" in cancelling
    # The same items told again in English: nothing was fixed when they were read.
    with timeline.english():
        assert items[1].text == "bob marked the order delivered"
