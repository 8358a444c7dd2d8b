"""Staff need a second factor (TOTP with recovery codes): on the web every staff page is
refused to a session without it, and in the API a staff token issued without it has no staff
rights (403 `second_factor_required`)."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest
from django.test import Client

from accounts import twofactor
from accounts.actions import issue_token
from accounts.models import RecoveryCode, SecondFactor
from conftest import PASSWORD, password_only_login
from core.errors import NotAuthenticated, ValidationFailed

STAFF_PAGES = ["/staff/", "/staff/tickets/", "/staff/users/", "/staff/webhooks/"]


def _code(device: SecondFactor) -> str:
    device.refresh_from_db()
    return twofactor.current_code(device.secret, after=device.last_step)


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_without_a_second_factor_cannot_reach_staff_pages(make_user, path):
    staff = make_user("sam", staff=True)
    client = Client()
    password_only_login(client, staff)
    answer = client.get(path)
    assert answer.status_code == 302
    assert answer["Location"].startswith("/account/two-factor/?next=")
    # Not the pages of a party either: the session is held at enrolment until it is done.
    assert client.get("/orders/").status_code == 302


def test_staff_with_an_authenticator_but_no_code_in_this_session_is_asked_for_it(make_user):
    staff = make_user("sam", staff=True)
    twofactor.enrol_for_tests(staff)
    client = Client()
    password_only_login(client, staff)
    answer = client.get("/staff/")
    assert answer.status_code == 302 and answer["Location"].startswith("/login/code/")
    # The enrolment page does not let them replace the authenticator without a code.
    assert client.get("/account/two-factor/")["Location"] == "/login/code/"


def test_staff_log_in_with_password_then_code(make_user):
    staff = make_user("sam", staff=True)
    device = twofactor.enrol_for_tests(staff)
    client = Client()
    answer = client.post("/login/", {"username": "sam", "password": PASSWORD, "next": "/staff/"})
    assert answer["Location"] == "/login/code/"
    assert client.get("/staff/").status_code == 302  # not logged in yet
    wrong = client.post("/login/code/", {"code": "000000"})
    assert wrong.status_code == 200 and b"Wrong or already used code" in wrong.content
    answer = client.post("/login/code/", {"code": _code(device)})
    assert answer["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_enrolment_shows_a_qr_code_and_ten_recovery_codes_once(make_user):
    staff = make_user("sam", staff=True)
    client = Client()
    password_only_login(client, staff)
    page = client.get("/account/two-factor/")
    assert page.status_code == 200 and b"<svg" in page.content
    device = SecondFactor.objects.get(user=staff)
    assert device.confirmed_at is None and device.pending_secret
    wrong = client.post("/account/two-factor/", {"action": "confirm", "code": "123456"})
    assert wrong.status_code == 200 and SecondFactor.objects.get(user=staff).confirmed_at is None
    code = pyotp.TOTP(device.pending_secret).now()
    done = client.post("/account/two-factor/", {"action": "confirm", "code": code})
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    # Stored hashed only.
    stored = set(RecoveryCode.objects.filter(user=staff).values_list("digest", flat=True))
    assert len(stored) == 10 and not {c.replace("-", "") for c in codes} & stored
    assert client.get("/staff/").status_code == 200
    assert not any(c.encode() in client.get("/account/two-factor/").content for c in codes)


def test_a_code_is_accepted_once_even_within_its_own_window(make_user):
    user = make_user("sam", staff=True)
    device = twofactor.enrol_for_tests(user)
    code = _code(device)
    assert twofactor.verify(user=user, code=code) == "totp"
    with pytest.raises(NotAuthenticated):
        twofactor.verify(user=user, code=code)


def test_wrong_and_stale_codes_are_refused(make_user):
    user = make_user("sam", staff=True)
    device = twofactor.enrol_for_tests(user)
    totp = pyotp.TOTP(device.secret)
    stale = totp.generate_otp(int(totp.timecode(twofactor.clock.system_now())) - 5)
    for code in ("000000", stale, "", "12345", "abcdef"):
        with pytest.raises(NotAuthenticated):
            twofactor.verify(user=user, code=code)


def test_a_recovery_code_works_once(make_user):
    user = make_user("sam", staff=True)
    device = twofactor.start(user=user)
    codes = twofactor.confirm(user=user, code=pyotp.TOTP(device.pending_secret).now())
    assert twofactor.verify(user=user, code=codes[0]) == "recovery"
    with pytest.raises(NotAuthenticated):
        twofactor.verify(user=user, code=codes[0])
    assert twofactor.verify(user=user, code=codes[1].upper().replace("-", " ")) == "recovery"
    assert twofactor.recovery_codes_left(user) == 8


def test_a_recovery_code_of_digits_only_is_still_a_recovery_code(make_user, monkeypatch):
    """Recovery codes are 12 hex digits, so about one in 280 is digits alone (about one person
    in 30 gets such a code among their ten); it must not be mistaken for an app's code."""
    user = make_user("sam", staff=True)
    twofactor.enrol_for_tests(user)
    drawn = iter(["123456789012", "000000000001", *(f"abcdef{n:06d}" for n in range(8))])
    monkeypatch.setattr(twofactor.secrets, "token_hex", lambda n: next(drawn))
    codes = twofactor.renew_recovery_codes(user=user)
    assert codes[:2] == ["1234-5678-9012", "0000-0000-0001"]
    assert twofactor.verify(user=user, code=codes[0]) == "recovery"
    assert twofactor.verify(user=user, code="000000000001") == "recovery"
    with pytest.raises(NotAuthenticated):
        twofactor.verify(user=user, code=codes[0])


def test_confirming_with_a_wrong_code_is_refused(make_user):
    user = make_user("sam")
    twofactor.start(user=user)
    with pytest.raises(ValidationFailed):
        twofactor.confirm(user=user, code="000000")
    assert not twofactor.has_factor(user)


def test_guessing_codes_is_rate_limited(make_user, settings):
    settings.SECOND_FACTOR_RATE_LIMIT = (3, 300)
    user = make_user("sam", staff=True)
    device = twofactor.enrol_for_tests(user)
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            twofactor.verify(user=user, code="000000")
    from core.errors import RateLimited

    with pytest.raises(RateLimited):
        twofactor.verify(user=user, code=_code(device))


# The API ------------------------------------------------------------------------------------


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


STAFF_CALLS = [
    ("get", "/api/v1/ledger/check"),
    ("get", "/api/v1/api-keys"),
    ("get", "/api/v1/users"),
]


@pytest.mark.parametrize(("method", "path"), STAFF_CALLS)
def test_a_staff_token_without_second_factor_is_refused_staff_calls(make_user, method, path):
    staff = make_user("sam", staff=True)
    client = Client()
    plain = client.generic(method.upper(), path, headers=_bearer(issue_token(user=staff)))
    assert plain.status_code == 403, plain.content
    assert plain.json()["code"] == "second_factor_required"
    full = client.generic(method.upper(), path, headers=_bearer(issue_token(user=staff, second_factor=True)))
    assert full.status_code == 200, full.content


def test_a_staff_token_without_second_factor_cannot_suspend(make_user):
    staff, target = make_user("sam", staff=True), make_user("tom")
    answer = Client().post(
        f"/api/v1/users/{target.public_id}/suspend",
        data={"reason": "Fraud."},
        content_type="application/json",
        headers=_bearer(issue_token(user=staff)),
    )
    assert answer.status_code == 403 and answer.json()["code"] == "second_factor_required"
    target.refresh_from_db()
    assert target.is_active


def _token(client: Client, **body: Any) -> Any:
    return client.post("/api/v1/auth/token", data=body, content_type="application/json")


def test_auth_token_asks_for_the_code_once_there_is_a_second_factor(make_user):
    staff = make_user("sam", staff=True)
    client = Client()
    # No authenticator yet: a token, but without staff rights.
    first = _token(client, username="sam", password=PASSWORD)
    assert first.status_code == 200
    queue = client.get("/api/v1/ledger/check", headers=_bearer(first.json()["token"]))
    assert queue.status_code == 403 and queue.json()["code"] == "second_factor_required"
    device = twofactor.enrol_for_tests(staff)
    missing = _token(client, username="sam", password=PASSWORD)
    assert missing.status_code == 401 and missing.json()["code"] == "second_factor_required"
    wrong = _token(client, username="sam", password=PASSWORD, otp="000000")
    assert wrong.status_code == 401 and wrong.json()["code"] == "second_factor_invalid"
    code = _code(device)
    good = _token(client, username="sam", password=PASSWORD, otp=code)
    assert good.status_code == 200
    assert client.get("/api/v1/ledger/check", headers=_bearer(good.json()["token"])).status_code == 200
    replay = _token(client, username="sam", password=PASSWORD, otp=code)
    assert replay.status_code == 401 and replay.json()["code"] == "second_factor_invalid"


def test_a_sandbox_without_the_staff_second_factor_gives_a_password_token_staff_rights(make_user, settings):
    """`make run` (PARLEY_STAFF_SECOND_FACTOR=0): the API contract's demo logs in as staff with a
    password alone; the same token is refused staff calls wherever the second factor is on."""
    make_user("sam", staff=True)
    client = Client()
    token = _token(client, username="sam", password=PASSWORD).json()["token"]
    settings.STAFF_SECOND_FACTOR = False
    assert client.get("/api/v1/ledger/check", headers=_bearer(token)).status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(token)).json()["is_staff"] is True
    settings.STAFF_SECOND_FACTOR = True
    refused = client.get("/api/v1/ledger/check", headers=_bearer(token))
    assert refused.status_code == 403 and refused.json()["code"] == "second_factor_required"


def test_a_sandbox_without_the_staff_second_factor_lets_staff_pages_open(make_user, settings):
    staff = make_user("sam", staff=True)
    client = Client()
    client.post("/login/", {"username": "sam", "password": PASSWORD})
    settings.STAFF_SECOND_FACTOR = False
    assert client.get("/staff/").status_code == 200
    settings.STAFF_SECOND_FACTOR = True
    assert client.get("/staff/").status_code == 302
    assert staff.is_staff
