"""Password reset by e-mail (no enumeration, rate-limited, single use, expiry) and e-mail
verification (on sign-up and on a change of address)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from accounts import recovery
from accounts.models import User
from conftest import PASSWORD
from core.errors import NotFound, RateLimited
from notifications.models import OutboundEmail

NEW_PASSWORD = "another-long-passphrase"


def _link(to: str) -> str:
    mail = OutboundEmail.objects.filter(to=to).order_by("-pk").first()
    assert mail is not None, f"no e-mail to {to}"
    found = re.search(r"(/(?:password-reset|verify-email)/\S+)", mail.body)
    assert found
    return found.group(1)


def test_reset_sends_a_link_that_works_once(make_user):
    make_user("rita", email="rita@example.org")
    client = Client()
    answer = client.post("/password-reset/", {"email": "RITA@example.org"})
    assert answer.status_code == 302
    link = _link("rita@example.org")
    assert client.get(link).status_code == 200
    done = client.post(link, {"password": NEW_PASSWORD})
    assert done["Location"] == "/login/"
    assert User.objects.get(username="rita").check_password(NEW_PASSWORD)
    # Used: the link no longer works.
    assert client.get(link).status_code == 404
    assert client.post(link, {"password": "yet-another-passphrase"}).status_code == 404


def test_reset_does_not_tell_whether_an_account_exists(make_user):
    make_user("rita", email="rita@example.org")
    known = Client().post("/password-reset/", {"email": "rita@example.org"}, follow=True)
    unknown = Client().post("/password-reset/", {"email": "nobody@example.org"}, follow=True)
    assert known.status_code == unknown.status_code == 200
    assert [str(m) for m in known.context["messages"]] == [str(m) for m in unknown.context["messages"]]
    assert not OutboundEmail.objects.filter(to="nobody@example.org").exists()


def test_reset_is_rate_limited(make_user, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = (2, 3600)
    make_user("rita", email="rita@example.org")
    recovery.request_reset(email="rita@example.org", client="10.0.0.1")
    recovery.request_reset(email="rita@example.org", client="10.0.0.2")
    with pytest.raises(RateLimited):
        recovery.request_reset(email="rita@example.org", client="10.0.0.3")
    assert OutboundEmail.objects.filter(to="rita@example.org").count() == 2


def test_reset_link_expires(make_user, settings, monkeypatch):
    user = make_user("rita", email="rita@example.org")
    uid, token = recovery.reset_uid(user), recovery.reset_token(user)
    from django.contrib.auth.tokens import default_token_generator

    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 5)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    with pytest.raises(NotFound):
        recovery.reset_password(uid=uid, token=token, password=NEW_PASSWORD)


def test_a_weak_new_password_is_refused_and_the_link_still_works(make_user):
    user = make_user("rita", email="rita@example.org")
    link = f"/password-reset/{recovery.reset_uid(user)}/{recovery.reset_token(user)}/"
    client = Client()
    weak = client.post(link, {"password": "password"})
    assert weak.status_code == 200 and weak.context["form"].errors["password"]
    assert client.post(link, {"password": NEW_PASSWORD}).status_code == 302


def test_a_reset_does_not_skip_the_second_factor(make_user):
    from accounts import twofactor

    user = make_user("sam", staff=True, email="sam@example.org")
    twofactor.enrol_for_tests(user)
    client = Client()
    client.post("/password-reset/", {"email": "sam@example.org"})
    client.post(_link("sam@example.org"), {"password": NEW_PASSWORD})
    answer = client.post("/login/", {"username": "sam", "password": NEW_PASSWORD})
    assert answer["Location"] == "/login/code/"


def test_provisioned_users_without_password_get_no_link(make_user):
    user = make_user("pete", email="pete@example.org")
    user.set_unusable_password()
    user.save()
    recovery.request_reset(email="pete@example.org", client="10.0.0.1")
    assert not OutboundEmail.objects.filter(to="pete@example.org").exists()


def test_sign_up_sends_a_verification_link_and_the_banner_shows_until_it_is_opened(db):
    client = Client()
    client.post("/signup/", {"username": "vera", "email": "vera@example.org", "password": PASSWORD})
    assert b'data-testid="verify-email-banner"' in client.get("/").content
    link = _link("vera@example.org")
    assert client.get(link).status_code == 302
    assert User.objects.get(username="vera").email_verified_at is not None
    assert b'data-testid="verify-email-banner"' not in client.get("/").content


def test_changing_the_address_needs_a_new_verification_and_the_old_link_dies(make_user):
    user = make_user("vera", email="vera@example.org")
    recovery.send_verification(user)
    old_link = _link("vera@example.org")
    client = Client()
    client.force_login(user)
    client.post("/account/", {"action": "change", "email": "vera@example.net", "current": PASSWORD})
    user.refresh_from_db()
    assert user.email == "vera@example.net" and user.email_verified_at is None
    assert client.get(old_link).status_code == 404
    assert client.get(_link("vera@example.net")).status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


def test_a_forged_verification_link_is_refused(make_user):
    make_user("vera", email="vera@example.org")
    assert Client().get("/verify-email/not-a-signed-token/").status_code == 404


def test_changing_the_address_needs_the_password_and_tells_the_old_address(make_user):
    # An open session alone must not move the account (and its password resets) elsewhere.
    user = make_user("vera", email="vera@example.org")
    client = Client()
    client.force_login(user)
    refused = client.post("/account/", {"action": "change", "email": "thief@example.net", "current": "not-it"})
    assert "Current password: Wrong password." in refused.content.decode()
    user.refresh_from_db()
    assert user.email == "vera@example.org"
    assert not OutboundEmail.objects.filter(to="thief@example.net").exists()

    client.post("/account/", {"action": "change", "email": "vera@example.net", "current": PASSWORD})

    told = OutboundEmail.objects.get(to="vera@example.org")
    assert "vera@example.net" in told.body and "reset your password" in told.body


def test_a_person_without_a_password_changes_the_address_without_one(make_user):
    user = make_user("vera", email="vera@example.org")
    user.set_unusable_password()
    user.save()
    client = Client()
    client.force_login(user)
    assert 'name="current"' not in client.get("/account/").content.decode().split('id="password"')[0]

    client.post("/account/", {"action": "change", "email": "vera@example.net"})

    user.refresh_from_db()
    assert user.email == "vera@example.net"
