"""Browser tests: Playwright drives Debian's Chromium against a live server, as a person would.

Screenshots land in test-results/screenshots/ (one per page worth looking at)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from accounts.models import User

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-results" / "screenshots"
PASSWORD = "parley-demo-pass"


def _chromium() -> str:
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is not installed; `make test` installs it (scripts/ensure-chromium).")
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


@pytest.fixture
def person(transactional_db: None) -> Any:
    def make(username: str, *, staff: bool = False) -> User:
        user = User.objects.create_user(username=username, email=f"{username}@example.org", password=PASSWORD)
        if staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
            from accounts.twofactor import enrol_for_tests

            enrol_for_tests(user)
        return user

    return make


def _log_in(page: Any, base: str, username: str, *, password: str = PASSWORD) -> None:
    """Username and password, then, for someone with an authenticator, its current code."""
    from accounts.models import SecondFactor
    from accounts.twofactor import current_code

    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    device = SecondFactor.objects.filter(user__username=username, confirmed_at__isnull=False).first()
    if device is not None:
        page.wait_for_url(f"{base}/login/code/")
        page.get_by_label("Code").fill(current_code(device.secret, after=device.last_step))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{base}/")


@pytest.fixture
def login(live_server: Any) -> Any:
    def do(page: Any, username: str) -> None:
        _log_in(page, live_server.url, username)

    return do


@pytest.fixture
def shot() -> Any:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        # From the top: scrolled down, the sticky header would be pasted mid-page.
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _no_console_errors(page: Any) -> Any:
    """A page that logs a JavaScript error (a CSP refusal, a broken script) fails its test."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield
    assert not errors, f"the browser reported errors: {errors}"


@pytest.fixture
def page_for(browser: Any, live_server: Any, browser_context_args: dict[str, Any]) -> Any:
    """`page_for("bob")`: a page in a separate browser context, logged in as that user, so two
    people can act side by side in one test."""
    contexts = []

    def open_as(username: str) -> Any:
        context = browser.new_context(**browser_context_args)
        contexts.append(context)
        page = context.new_page()
        _log_in(page, live_server.url, username)
        return page

    yield open_as
    for context in contexts:
        context.close()
