# ruff: noqa: RUF001 -- Russian sentences: their letters are Cyrillic on purpose
"""A Russian reader's pages speak Russian throughout: the timeline's sentences, the status
badges, the preset's durations and rule texts, told when the page is drawn; the API's timeline
stays English, as integrators read it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from conftest import PASSWORD
from core import clock
from disputes import actions, mediation
from disputes.tests.support import bring_to_administration
from policy.active import configured_policy
from testsupport import factories


def russian(user: User) -> Client:
    user.language, user.time_zone = "ru", "Europe/Moscow"
    user.save()
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def visible(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("preset", ["difmark"], indirect=True)
def test_a_russian_buyers_dispute_page_tells_its_timeline_in_russian(preset: str, make_user: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    order = factories.delivered_order(buyer, seller, price=1234_50)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    dispute = factories.open_dispute(order, reason="not_as_described")

    page = visible(russian(buyer).get(f"/disputes/{dispute.public_id}/").content.decode())

    assert "anna: заказ оформлен и оплачен" in page
    assert "1\xa0234,50 USD" in page or "1 234,50 USD" in page
    assert "boris: заказ отмечен как переданный" in page
    assert "anna: открыт спор (не соответствует описанию), требование: полный возврат" in page
    assert "Ожидает продавца" in page  # the status badge
    # The preset's rules, and who is to act next.
    assert "Покупатель может попросить администрацию вмешаться через 72 часа после открытия спора." in page
    assert "Ожидается: Продавец (boris)." in page
    for english in (
        "placed the order",
        "marked the order delivered",
        "opened a dispute",
        "Awaiting the seller",
        "The buyer pays a service fee",
        "The seller (boris)",
    ):
        assert english not in page


def test_a_russian_order_page_shows_the_status_badge_in_russian(make_user: Any) -> None:
    buyer, seller = make_user(), make_user()
    order = factories.delivered_order(buyer, seller)

    page = russian(buyer).get(f"/orders/{order.public_id}/").content.decode()

    assert re.search(r'data-testid="order-status">Передан<', page)
    assert ">Delivered<" not in page


def test_a_russian_order_page_names_refusals_kinds_and_ledger_lines_in_russian(make_user: Any) -> None:
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller, kind="service")

    page = visible(russian(buyer).get(f"/orders/{order.public_id}/").content.decode())

    assert "Невозможно, пока статус — оплачен." in page  # confirming before delivery
    assert "Оплата заказа на эскроу" in page and "Кошелёк" in page  # the ledger lines
    assert "Услуга" in page  # the listing's kind as the buyer saw it
    for english in ("the order is", "Order Funded", "Wallet (", "service"):
        assert english not in page


def test_the_apis_timeline_stays_english_for_a_russian_caller(api: Any, make_user: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    buyer.language = "ru"
    buyer.save()
    order = factories.delivered_order(buyer, seller)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    dispute = factories.open_dispute(order)

    body = api(buyer).get(f"/disputes/{dispute.public_id}").json()

    texts = [t["text"] for t in body["timeline"]]
    assert "boris marked the order delivered" in texts
    assert texts[-1] == "anna opened a dispute (incorrect), asking for: full refund"


def test_a_party_named_in_a_sentence_reads_in_its_own_words(make_user: Any, tclock: Any) -> None:
    buyer, seller, staff = make_user("anna"), make_user("boris"), make_user("carol", staff=True)
    order = factories.delivered_order(buyer, seller)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    mediation.request_info(dispute_id=dispute.pk, by=staff, party="seller", question="Which region?")

    page = visible(russian(buyer).get(f"/disputes/{dispute.public_id}/").content.decode())

    assert "Администрация (carol): вопрос продавцу: Which region?" in page
    assert "asked the seller" not in page


@pytest.mark.parametrize("preset", ["difmark"], indirect=True)
def test_the_presets_rules_read_in_the_readers_language_and_stay_english_in_the_record(
    preset: str, make_user: Any, tclock: Any
) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    order = factories.delivered_order(buyer, seller)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    dispute = factories.open_dispute(order)
    actions.accept_proposal(proposal_id=dispute.proposals.get().pk, by=seller)
    dispute.refresh_from_db()
    assert dispute.reasons is not None
    stored = {r["name"]: r["text"] for r in dispute.reasons["rules"]}
    assert stored["agreement"] == "When one side accepts the other's proposal, its effect is carried out at once."

    page = visible(russian(buyer).get(f"/disputes/{dispute.public_id}/").content.decode())

    assert "Когда одна сторона принимает предложение другой, оно исполняется сразу." in page
    assert "its effect is carried out at once" not in page
    assert "При возврате покупателю возвращается та же доля сервисного сбора, что и цены." in page


def test_a_russian_mediators_case_page_names_kinds_roles_and_rules_in_russian(make_user: Any, tclock: Any) -> None:
    buyer, seller, staff = make_user("anna"), make_user("boris"), make_user("carol", staff=True)
    order = factories.delivered_order(buyer, seller)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    dispute = bring_to_administration(factories.open_dispute(order, reason="not_as_described"), tclock)

    page = visible(russian(staff).get(f"/staff/disputes/{dispute.public_id}/").content.decode())

    assert "Товар" in page  # the order's kind
    assert "Причина — «не соответствует описанию»: при возврате товара продавец ничего не оставляет себе." in page
    assert "событие · anna" in page
    for english in ("The reason is", "Only communication on Parley counts", "event · ", "by system", ">product<"):
        assert english not in page


def test_the_printed_case_file_names_roles_statuses_and_kinds_in_russian(make_user: Any) -> None:
    buyer, seller = make_user("anna"), make_user("boris")
    order = factories.delivered_order(buyer, seller)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    dispute = factories.open_dispute(order)

    page = russian(buyer).get(f"/disputes/{dispute.public_id}/print/").content.decode()

    assert "<td>Покупатель</td>" in page and "<td>Ожидает ответа</td>" in page
    assert "(товар)" in page
    assert "Оплата заказа на эскроу" in page
    for english in ("<td>buyer</td>", "<td>open</td>", "(product)", "order_funded"):
        assert english not in page
    # Its moments read the reader's way, with UTC beside them on paper, not as ISO strings.
    placed = order.placed_at.strftime("%Y-%m-%dT%H:%M")
    assert placed not in page.replace('datetime="', "")
    months = "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
    assert "UTC" in page and re.search(rf"\d{{1,2}} ({months}) \d{{4}}", page)


def test_an_answered_ticket_reads_in_russian_on_the_home_page_and_its_own(make_user: Any) -> None:
    from tickets import actions as tickets

    owner, agent = make_user("anna"), make_user("carol", staff=True)
    ticket = tickets.open_ticket(by=owner, subject="Cannot withdraw", category="payment", body="Stuck.")
    tickets.reply(ticket_id=ticket.pk, by=agent, body="Fixed.")
    client = russian(owner)

    home = visible(client.get("/").content.decode())
    detail = visible(client.get(f"/tickets/{ticket.public_id}/").content.decode())

    assert "Есть ответ" in home and "Иначе обращение закроется как решённое." in home
    assert "Есть ответ" in detail and "Платежи и кошелёк" in detail
    for english in ("Answered", "the ticket is resolved", "Payments and wallet"):
        assert english not in home and english not in detail
