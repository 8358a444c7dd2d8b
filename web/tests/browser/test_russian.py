"""Screens in Russian: under the difmark preset a Russian-speaking buyer follows the seeds' path
from the order to a dispute, on a laptop and on a phone. Screenshots land in
test-results/screenshots/russian/ (in the checkout, so runs of other checkouts do not overwrite them)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from testsupport import factories
from web.tests.browser.conftest import PASSWORD, SCREENSHOTS

SHOTS = SCREENSHOTS / "russian"
SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def signed_in(browser: Any, live_server: Any, username: str, viewport: dict[str, int]) -> Any:
    """A page with the user's session (the log-in form is another screen's business)."""
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    context = browser.new_context(viewport=viewport, locale="ru-RU")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


@pytest.mark.parametrize("preset", ["difmark"], indirect=True)
@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_a_russian_buyer_opens_a_dispute_from_the_order(
    browser: Any, live_server: Any, person: Any, preset: str, size: str
) -> None:
    alice, bob = person("alice"), person("bob")
    alice.language, alice.time_zone = "ru", "Europe/Moscow"
    alice.save()
    order = factories.delivered_order(alice, bob, price=1234_50)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = signed_in(browser, live_server, "alice", SIZES[size])

    page.goto(f"{live_server.url}/orders/{order.public_id}/")
    expect(page.locator("body")).to_contain_text("1\u00a0234,50 USD")  # Russian separators
    expect(page.locator("time[title$='UTC']").first).to_contain_text("MSK")  # Moscow time, UTC on hover
    expect(page.get_by_test_id("order-status")).to_have_text("Передан")  # the badge
    expect(page.locator("#case-timeline")).to_contain_text("bob: заказ отмечен как переданный")
    expect(page.locator("#case-timeline")).not_to_contain_text("marked the order delivered")
    expect(page.locator(".countdown").first).to_have_text(re.compile(r"^через (\d+ д )?\d+ ч \d\d мин$"))
    page.screenshot(path=str(SHOTS / f"order-{size}.png"), full_page=True)

    page.locator(f"a[href*='/disputes/new/?order={order.public_id}']").click()
    page.locator("select[name=reason]").select_option("incomplete")
    page.locator("textarea[name=description]").fill("Пришли только 3 аккаунта из 5.")
    page.locator("select[name=requested_kind]").select_option("full_delivery")
    page.locator("input[name=accept_terms]").check()
    expect(page.get_by_text("Причина спора")).to_be_visible()  # the form speaks Russian
    page.screenshot(path=str(SHOTS / f"dispute-new-{size}.png"), full_page=True)
    page.locator("form[enctype] button[type=submit]").click()

    expect(page.get_by_text("Спор открыт. Оплата заморожена, пока он не будет разрешён.")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Вмешательство администрации")  # the preset's own words
    timeline = page.locator("#case-timeline")
    expect(timeline).to_contain_text("alice: открыт спор (получен не полностью), требование: полная передача")
    expect(timeline).not_to_contain_text("opened a dispute")
    expect(page.get_by_test_id("dispute-status")).to_have_text("Ожидает продавца")
    # Nothing wider than the screen: the longer Russian words wrap.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    page.screenshot(path=str(SHOTS / f"dispute-{size}.png"), full_page=True)
    page.context.close()
