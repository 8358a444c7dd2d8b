"""`/account/`: one page where a person sees and changes their profile, e-mail address and
password, their second factor and recovery codes, and the devices signed in, ending any of
them. The pages it replaced redirect to their section."""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.models import Session
from django.test import Client

from accounts import twofactor
from accounts.models import RecoveryCode
from conftest import PASSWORD
from core.models import AuditEvent

NEW_PASSWORD = "a-much-longer-passphrase-7"


def _sign_in(username: str, agent: str, password: str = PASSWORD) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    assert client.post("/login/", {"username": username, "password": password}).status_code == 302
    return client


def test_the_account_page_shows_every_section_and_the_devices(make_user: Any) -> None:
    alice = make_user("alice")
    laptop = _sign_in("alice", "Laptop Browser/1.0")
    _sign_in("alice", "Phone Browser/2.0")
    page = laptop.get("/account/")
    assert page.status_code == 200
    text = page.content.decode()
    for testid in ("account-profile", "account-email", "account-password", "account-security", "account-devices"):
        assert f'data-testid="{testid}"' in text
    assert 'name="time_zone"' in text and 'name="current"' in text and alice.email in text
    assert "Laptop Browser/1.0" in text and "Phone Browser/2.0" in text
    assert text.count("this device") == 1
    assert text.count('name="end"') == 2  # one device to sign out, and "everywhere else"


def test_the_old_pages_lead_to_their_section(make_user: Any) -> None:
    make_user("alice")
    client = _sign_in("alice", "Laptop")
    assert client.get("/profile/")["Location"] == "/account/#profile"
    assert client.get("/account/sessions/")["Location"] == "/account/#devices"
    saved = client.post("/profile/", {"language": "en", "time_zone": "Asia/Tokyo"})
    assert saved["Location"] == "/account/#profile"
    assert Client().get("/profile/")["Location"].startswith("/login/")


def test_a_password_change_needs_the_current_one_and_signs_out_the_other_devices(make_user: Any) -> None:
    alice = make_user("alice")
    laptop = _sign_in("alice", "Laptop")
    phone = _sign_in("alice", "Phone")

    wrong = laptop.post("/account/", {"action": "password", "current": "not-it-at-all", "password": NEW_PASSWORD})
    assert wrong.status_code == 200 and "Current password: Wrong password." in wrong.content.decode()
    weak = laptop.post("/account/", {"action": "password", "current": PASSWORD, "password": "short"})
    assert weak.status_code == 200 and "New password: This password is too short." in weak.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)

    done = laptop.post("/account/", {"action": "password", "current": PASSWORD, "password": NEW_PASSWORD})
    assert done["Location"] == "/account/#password"
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert Session.objects.count() == 1  # the other device's session is gone, not just refused
    assert laptop.get("/wallet/").status_code == 200  # this device stays signed in
    assert phone.get("/wallet/").status_code == 302  # the other is signed out
    assert not Client().login(username="alice", password=PASSWORD)
    assert AuditEvent.objects.filter(code="user.password_changed", actor=alice).count() == 1


def test_staff_renew_their_recovery_codes_and_the_old_ones_stop_working(make_user: Any) -> None:
    sam = make_user("sam", staff=True)
    twofactor.enrol_for_tests(sam)
    old_codes = twofactor.renew_recovery_codes(user=sam)
    client = Client()
    client.force_login(sam)  # a complete log-in, second factor included
    page = client.get("/account/").content.decode()
    assert "10 recovery codes are left" in page and 'value="renew"' in page

    renewed = client.post("/account/two-factor/", {"action": "renew"})
    assert renewed.status_code == 200
    text = renewed.content.decode()
    assert "These are your new recovery codes" in text
    assert not any(code in text for code in old_codes)
    assert RecoveryCode.objects.filter(user=sam, used_at__isnull=True).count() == 10
    new_code = text.split('data-testid="recovery-codes"><li><code>', 1)[1].split("<", 1)[0]
    assert twofactor.verify(user=sam, code=new_code) == "recovery"
    assert AuditEvent.objects.filter(code="user.recovery_codes_renewed", actor=sam).count() == 2


def test_renewing_codes_takes_the_second_factor_of_this_session(make_user: Any) -> None:
    from conftest import password_only_login

    sam = make_user("sam")
    twofactor.enrol_for_tests(sam)
    client = Client()
    password_only_login(client, sam)
    answer = client.post("/account/two-factor/", {"action": "renew"})
    assert answer["Location"] == "/login/code/"
    assert not RecoveryCode.objects.filter(user=sam).exists()


def test_guessing_the_current_password_is_limited_like_a_log_in(make_user: Any, settings: Any) -> None:
    # A session left open must not let someone try passwords without end: wrong guesses are
    # counted per person, as log-ins are, and past the limit even the right one waits.
    settings.LOGIN_ATTEMPT_LIMIT = 3
    alice = make_user("alice")
    laptop = _sign_in("alice", "Laptop Browser/1.0")
    for _ in range(3):
        wrong = laptop.post("/account/", {"action": "password", "current": "not-it-at-all", "password": NEW_PASSWORD})
        assert "Current password: Wrong password." in wrong.content.decode()

    held = laptop.post("/account/", {"action": "password", "current": PASSWORD, "password": NEW_PASSWORD})

    assert held.status_code == 200 and "Too many attempts" in held.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)
