"""Every page, at a desktop and a phone width, on the demo's real cases: no critical or serious
axe-core violation, and nothing wider than the screen (no sideways scrolling at 390 px).

The page list is checked against the URL configuration, so a new page cannot be left out: every
route is either visited here or named as something that is not a page (a form's POST target,
a download, an HTMX fragment)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, reverse

from accounts import recovery
from accounts.models import User
from catalog.models import Listing
from desk import actions as desk_actions
from disputes.models import Dispute
from notifications import mail
from ops import demo
from orders.models import Order
from tickets.models import Ticket
from web import urls as web_urls
from web.tests.browser.conftest import SCREENSHOTS
from webhooks import actions as webhook_actions

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = SCREENSHOTS / "pages"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}
SERIOUS = {"critical", "serious"}
HEADER_MAX = 120  # px at 390x844, the test clock's bar included

# Routes that are not pages of their own: POST targets of forms, downloads, HTMX fragments.
NOT_PAGES = {
    "logout",
    # Sections of /account/ now: their forms post here, and a visit redirects to the section.
    "profile",
    "account_sessions",
    "test_clock_advance",
    "listing_buy",
    "order_chat",
    "order_message",
    "order_deliver",
    "order_confirm",
    "order_cancel",
    "notifications_read_all",
    "notification_open",
    "dispute_chat",
    "dispute_message",
    "proposal_preview",
    "dispute_propose",
    "proposal_accept",
    "proposal_reject",
    "dispute_step",
    "dispute_answer",
    "dispute_evidence",
    "evidence_file",
    "case_export",
    "staff_preview",
    "staff_decide",
    "staff_request_info",
    "staff_assign",
    "staff_message",
    "ticket_reply",
    "ticket_resolve",
    "ticket_reopen",
    "ticket_assign",
    "ticket_link_dispute",
    "ticket_attachment",
    "staff_webhook_disable",
    "staff_user_suspend",
    "staff_user_reinstate",
    "token_revoke",
    "dispute_withdraw",
    "staff_note",
    "staff_bulk_take",
    "staff_next",
    "staff_canned_delete",
    "login_code",  # the second step of a log-in, reached only between the two (accounts/tests)
    "verify_email",  # confirms and redirects
    "staff_user_export",  # a JSON download
    "staff_user_erase",
}

# Pages that still fail, each with the exact reason, so a fix shows up as a pass. Empty is the goal.
KNOWN: dict[str, str] = {}


@dataclass(frozen=True)
class Seen:
    """The demo's cases, found once after seeding."""

    listing: str
    order_paid: str
    order_delivered: str
    dispute_talking: str
    dispute_escalated: str
    ticket: str
    webhook: str
    bob: str
    canned: str
    reset_uid: str
    reset_token: str
    unsubscribe: str


@dataclass(frozen=True)
class Visit:
    name: str  # the route's name; one route may be visited more than once
    who: str | None  # username, or None for an anonymous visitor
    url: Callable[[Seen], str]
    label: str = ""

    @property
    def key(self) -> str:
        return self.label or self.name


def _r(name: str, *args: str) -> str:
    return reverse(f"web:{name}", args=args)


VISITS = [
    Visit("home", None, lambda s: _r("home"), "home-anonymous"),
    Visit("home", "alice", lambda s: _r("home"), "home-alice"),
    Visit("home", "bob", lambda s: _r("home"), "home-bob"),
    Visit("login", None, lambda s: _r("login")),
    Visit("signup", None, lambda s: _r("signup")),
    Visit("account", "alice", lambda s: _r("account")),
    Visit("account", "carol", lambda s: _r("account"), "account-staff"),
    Visit("two_factor", "alice", lambda s: _r("two_factor")),
    Visit("password_reset", None, lambda s: _r("password_reset")),
    Visit("password_reset_confirm", None, lambda s: _r("password_reset_confirm", s.reset_uid, s.reset_token)),
    Visit("unsubscribe", None, lambda s: _r("unsubscribe", s.unsubscribe)),
    Visit("listings", None, lambda s: _r("listings")),
    Visit("listing", None, lambda s: _r("listing", s.listing)),
    Visit("listing_new", "bob", lambda s: _r("listing_new")),
    Visit("listing_edit", "bob", lambda s: _r("listing_edit", s.listing)),
    Visit("orders", "alice", lambda s: _r("orders")),
    Visit("orders", "bob", lambda s: _r("orders") + "?tab=sales", "orders-sales"),
    Visit("order", "alice", lambda s: _r("order", s.order_paid)),
    Visit("order", "bob", lambda s: _r("order", s.order_delivered), "order-seller"),
    Visit("wallet", "alice", lambda s: _r("wallet")),
    Visit("wallet", "bob", lambda s: _r("wallet"), "wallet-bob"),
    Visit("notifications", "bob", lambda s: _r("notifications")),
    Visit("disputes", "alice", lambda s: _r("disputes")),
    Visit("dispute_new", "alice", lambda s: _r("dispute_new")),
    Visit("dispute", "alice", lambda s: _r("dispute", s.dispute_talking)),
    Visit("dispute", "bob", lambda s: _r("dispute", s.dispute_escalated), "dispute-escalated"),
    Visit("case_print", "alice", lambda s: _r("case_print", s.dispute_talking)),
    Visit("tickets", "alice", lambda s: _r("tickets")),
    Visit("ticket_new", "alice", lambda s: _r("ticket_new")),
    Visit("ticket", "alice", lambda s: _r("ticket", s.ticket)),
    Visit("contacts", None, lambda s: _r("contacts")),
    Visit("contacts_edit", "carol", lambda s: _r("contacts_edit")),
    Visit("tokens", "alice", lambda s: _r("tokens")),
    Visit("staff_inbox", "carol", lambda s: _r("staff_inbox")),
    Visit("staff_case", "carol", lambda s: _r("staff_case", s.dispute_escalated)),
    Visit("staff_tickets", "carol", lambda s: _r("staff_tickets")),
    Visit("staff_webhooks", "carol", lambda s: _r("staff_webhooks")),
    Visit("staff_webhook", "carol", lambda s: _r("staff_webhook", s.webhook)),
    Visit("staff_users", "carol", lambda s: _r("staff_users")),
    Visit("staff_canned", "carol", lambda s: _r("staff_canned")),
    Visit("staff_canned_edit", "carol", lambda s: _r("staff_canned_edit", s.canned)),
    Visit("staff_user", "carol", lambda s: _r("staff_user", s.bob)),
    Visit("staff_user_privacy", "carol", lambda s: _r("staff_user_privacy", s.bob)),
]


def _route_names() -> set[str]:
    return {p.name for p in web_urls.urlpatterns if isinstance(p, URLPattern) and p.name}


def test_every_route_is_visited_or_named_as_no_page() -> None:
    visited = {v.name for v in VISITS}
    assert visited.isdisjoint(NOT_PAGES)
    assert _route_names() == visited | NOT_PAGES, "a route is neither visited nor listed in NOT_PAGES"


def _seed() -> Seen:
    assert demo.seed()
    carol = User.objects.get(username="carol")
    endpoint = webhook_actions.create_endpoint(by=carol, url="http://127.0.0.1:9/hook", description="Shop")
    talking = Dispute.objects.filter(status=Dispute.Status.NEGOTIATING).order_by("id").first()
    talking = talking or Dispute.objects.exclude(status=Dispute.Status.ESCALATED).order_by("id").first()
    escalated = Dispute.objects.filter(status=Dispute.Status.ESCALATED).order_by("id").first()
    assert talking and escalated
    # A reset link is tied to its person's last log-in, so it is made for someone who does not log in here.
    forgetful = User.objects.create_user(username="dora", email="dora@example.org", password=demo.PASSWORD)
    alice = User.objects.get(username="alice")
    canned = desk_actions.save_canned_reply(
        by=carol, title="Asked for the file", body="Dear {buyer}, please attach the file."
    )
    return Seen(
        listing=Listing.objects.order_by("id").first().public_id,  # type: ignore[union-attr]
        order_paid=Order.objects.filter(status=Order.Status.PAID).order_by("id").first().public_id,  # type: ignore[union-attr]
        order_delivered=Order.objects.filter(status=Order.Status.DELIVERED).order_by("id").first().public_id,  # type: ignore[union-attr]
        dispute_talking=talking.public_id,
        dispute_escalated=escalated.public_id,
        ticket=Ticket.objects.filter(owner__username="alice").order_by("id").first().public_id,  # type: ignore[union-attr]
        webhook=endpoint.public_id,
        bob=User.objects.get(username="bob").public_id,
        canned=canned.public_id,
        reset_uid=recovery.reset_uid(forgetful),
        reset_token=recovery.reset_token(forgetful),
        unsubscribe=mail.unsubscribe_token(alice),
    )


def _check(page: Any, width: str) -> list[str]:
    """The page's problems: serious axe findings and anything wider than the viewport."""
    problems = []
    page.evaluate(AXE.read_text())  # evaluated by the browser's debugger, so the page's CSP allows it
    result = page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    for v in json.loads(result)["violations"]:
        if v["impact"] in SERIOUS:
            targets = "; ".join(str(n["target"]) for n in v["nodes"][:3])
            problems.append(f"axe {v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} times, e.g. {targets})")
    too_wide = page.evaluate(
        "() => { const w = document.documentElement.clientWidth;"
        " const over = document.documentElement.scrollWidth;"
        " if (over <= w) return null;"
        " const wide = [...document.querySelectorAll('body *')]"
        "   .filter(e => e.getBoundingClientRect().right > w + 1).slice(-3)"
        "   .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''));"
        " return `scrollWidth ${over} > ${w}: ${wide.join(', ')}`; }"
    )
    if too_wide:
        problems.append(f"{width}: {too_wide}")
    if width == "phone":  # the header (with the test clock's bar) leaves the screen to the page
        header = page.evaluate(
            "() => [...document.querySelectorAll('header.topbar, .clockbar')]"
            ".reduce((sum, e) => sum + e.getBoundingClientRect().height, 0)"
        )
        if header >= HEADER_MAX:
            problems.append(f"phone: the header takes {header:.0f} px of {WIDTHS['phone'][1]}")
    return problems


# Russian is the longer language: the phone width is checked in it too (pages follow
# Accept-Language for people who chose no language, as the demo's users have not).
RUNS = {"desktop": ("desktop", "en"), "phone": ("phone", "en"), "phone-ru": ("phone", "ru")}


def _log_in_any_language(page: Any, base: str, username: str) -> None:
    """The demo's log-in by field names, not labels, so it works whatever language the page speaks."""
    from accounts.models import SecondFactor
    from accounts.twofactor import current_code

    page.goto(f"{base}/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(demo.PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    device = SecondFactor.objects.filter(user__username=username, confirmed_at__isnull=False).first()
    if device is not None:
        page.wait_for_url(f"{base}/login/code/")
        page.locator("input[name=code]").fill(current_code(device.secret, after=device.last_step))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("run", list(RUNS))
def test_every_page_is_accessible_and_fits(run, browser, live_server, transactional_db, browser_context_args):
    assert AXE.exists(), "axe-core is missing: scripts/ensure-chromium installs it (npm ci)"
    seen = _seed()
    width, language = RUNS[run]
    w, h = WIDTHS[width]
    SHOTS.mkdir(parents=True, exist_ok=True)
    contexts: dict[str | None, Any] = {}
    failures: dict[str, list[str]] = {}
    try:
        for visit in VISITS:
            if visit.who not in contexts:
                context = browser.new_context(
                    **{**browser_context_args, "viewport": {"width": w, "height": h}, "locale": language}
                )
                if visit.who:
                    login = context.new_page()
                    _log_in_any_language(login, live_server.url, visit.who)
                    login.close()
                contexts[visit.who] = context
            page = contexts[visit.who].new_page()
            response = page.goto(live_server.url + visit.url(seen))
            assert response is not None and response.status == 200, (visit.key, response and response.status)
            problems = _check(page, width)
            if language != "en":
                assert page.get_attribute("html", "lang") == language, visit.key
            page.screenshot(path=str(SHOTS / f"{visit.key}-{run}.png"), full_page=True)
            page.close()
            if problems:
                failures[visit.key] = problems
    finally:
        for context in contexts.values():
            context.close()
    unexpected = {k: v for k, v in failures.items() if k not in KNOWN}
    assert not unexpected, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in unexpected.items())
