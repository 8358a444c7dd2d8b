"""Findings: racing sign-ups on PostgreSQL created usernames differing only in case; look-alike
and blank-looking usernames were accepted (a Cyrillic a, Hangul fillers, U+01C0); so were weak
passwords (twelve spaces, the published demo password)."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from accounts import actions
from accounts.models import User
from core.errors import Conflict, DomainError, ValidationFailed

PASSWORD = "a-long-passphrase"


def _sign_up(username: str, password: str = PASSWORD) -> User:
    return actions.sign_up(username=username, password=password, email="someone@example.org")


def test_the_database_refuses_usernames_that_differ_only_in_case(db):
    User.objects.create_user(username="race", password=PASSWORD)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="RACE", password=PASSWORD)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_sign_ups_in_different_case_create_one_user():
    names = ["race", "RACE", "rACE", "Race", "rAcE", "RaCe"]
    barrier = threading.Barrier(len(names))
    outcomes: list[object] = []
    lock = threading.Lock()

    def sign(name: str) -> None:
        try:
            barrier.wait(timeout=30)
            result: object = _sign_up(name)
        except DomainError as exc:
            result = exc
        except Exception as exc:
            result = ("crash", exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=sign, args=(n,)) for n in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert User.objects.filter(username__iexact="race").count() == 1
    refusals = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(refusals) == len(names) - 1, outcomes
    assert {r.code for r in refusals} == {"username_taken"}


@pytest.mark.parametrize(
    "username",
    [
        "\u0430lice",  # Cyrillic a, then Latin
        "\u0440\u0430\u0443\u0440\u0430l",  # "paypal" in Cyrillic look-alikes and one Latin l
        "\u0430\u0440\u0435",  # "ape" written wholly in Cyrillic look-alikes
        "\u3164",  # Hangul filler: blank
        "bob\u3164",
        "\u115f\u1160",
        "\uffa0",
        "\u01c0",  # a click letter that looks like | or l
        "al\u01c0ce",
        "bob\u200b",  # zero-width space
        "\u2800",  # braille blank
    ],
)
def test_look_alike_and_invisible_usernames_are_refused(db, username):
    with pytest.raises(ValidationFailed) as refused:
        _sign_up(username)
    assert "username" in refused.value.fields
    assert not User.objects.exists()


@pytest.mark.parametrize("username", ["alice", "José", "Дмитрий", "zoë_2", "小明"])
def test_ordinary_usernames_in_one_script_are_accepted(db, username):
    assert _sign_up(username).username == username


def test_usernames_are_normalised_nfkc_before_they_are_compared(db):
    assert _sign_up("\uff42\uff4f\uff42").username == "bob"  # full-width bob
    with pytest.raises(Conflict):
        _sign_up("BOB")


def test_a_normalised_username_logs_in(db):
    user = _sign_up("bob")
    assert actions.check_login(username="\uff42\uff4f\uff42", password=PASSWORD, client="192.0.2.1") == user


@pytest.mark.parametrize(
    "password",
    [" " * 12, "parley-demo", "Parley-Demo", "password123", "aaaaaaaaaaaa", "1234567890", "\t\t\t\t\t\t\t\t\t\t\t"],
)
def test_weak_passwords_are_refused(db, password):
    with pytest.raises(ValidationFailed) as refused:
        _sign_up("alice", password)
    assert "password" in refused.value.fields
    assert not User.objects.exists()


def test_the_api_sign_up_speaks_of_the_username_problem(api):
    answer = api().post("/users", {"username": "\u0430lice", "password": PASSWORD, "email": "a@example.org"})
    assert answer.status_code == 422
    assert any(e["field"] == "username" for e in answer.json()["errors"])


def test_the_demo_users_keep_the_demo_password(db, settings):
    from ops import demo

    settings.DEMO_DATA = True
    demo.seed()
    assert actions.check_login(username="alice", password="parley-demo", client="192.0.2.1").username == "alice"
