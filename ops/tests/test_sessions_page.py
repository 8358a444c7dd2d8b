"""The devices on /account/: a person sees where they are signed in and signs other devices out
(POST /account/sessions/)."""

from __future__ import annotations

from django.contrib.sessions.models import Session
from django.test import Client

from ops import sessions

PASSWORD = "correct-horse-battery"


def _sign_in(username: str, agent: str) -> Client:
    client = Client(HTTP_USER_AGENT=agent)
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_a_person_sees_their_devices_and_ends_one_or_all_others(make_user):
    alice, bob = make_user(), make_user()
    laptop = _sign_in(alice.username, "Laptop Browser/1.0")
    phone = _sign_in(alice.username, "Phone Browser/2.0")
    tablet = _sign_in(alice.username, "Tablet Browser/3.0")
    other = _sign_in(bob.username, "Bob Browser/9.0")

    page = laptop.get("/account/")  # the devices section of the account page
    assert page.status_code == 200
    text = page.content.decode()
    for agent in ("Laptop Browser/1.0", "Phone Browser/2.0", "Tablet Browser/3.0"):
        assert agent in text
    assert "Bob Browser" not in text
    assert text.count("this device") == 1

    # The page names each device by a reference, never by its session key (the sign-in cookie).
    phone_key = phone.session.session_key
    assert phone_key not in text and tablet.session.session_key not in text
    assert sessions.ref_of(phone_key) in text
    assert laptop.post("/account/sessions/", {"end": sessions.ref_of(phone_key)}).status_code == 302
    assert phone.get("/wallet/").status_code == 302  # signed out
    assert tablet.get("/wallet/").status_code == 200
    # Someone else's session ends nothing, by its reference or its key.
    laptop.post("/account/sessions/", {"end": sessions.ref_of(other.session.session_key)})
    laptop.post("/account/sessions/", {"end": other.session.session_key})
    assert other.get("/wallet/").status_code == 200

    laptop.post("/account/sessions/", {"end": "others"})
    assert tablet.get("/wallet/").status_code == 302
    assert laptop.get("/wallet/").status_code == 200  # this device stays signed in
    assert other.get("/wallet/").status_code == 200
    assert Session.objects.count() == 2


def test_the_sessions_page_needs_a_sign_in(client, db):
    assert client.get("/account/sessions/").status_code == 302
