from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_alice_logs_in_and_sees_the_home_page(page, live_server, person, login, shot):
    person("alice")
    login(page, "alice")

    expect(page.get_by_role("heading", name="Pay safely. Settle fairly.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    for item in ("Orders", "Disputes", "Tickets", "Wallet", "Contacts"):
        expect(nav.get_by_role("link", name=item)).to_be_visible()
    expect(nav.get_by_role("link", name="Staff console")).to_have_count(0)
    expect(page.get_by_text("alice", exact=True)).to_be_visible()
    path = shot(page, "home-logged-in")
    assert path.stat().st_size > 10_000


def test_staff_see_the_console_link(page, live_server, person, login):
    person("carol", staff=True)
    login(page, "carol")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff console")).to_be_visible()


def test_wrong_password_shows_an_error(page, live_server, person):
    person("alice")
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")


def test_sign_up_page_creates_an_account(page, live_server, transactional_db, shot):
    page.goto(f"{live_server.url}/signup/")
    page.get_by_label("Username").fill("newbie")
    page.get_by_label("Email").fill("newbie@example.org")
    page.get_by_label("Password").fill("a-long-passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome to Parley, newbie.")).to_be_visible()
    shot(page, "signed-up")
