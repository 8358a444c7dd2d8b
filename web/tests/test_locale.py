"""Each person's language and time zone: chosen on the profile page or with PATCH /me, else the
browser's Accept-Language and UTC; every page and API answer follows them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import timezone, translation

from accounts.models import User
from conftest import PASSWORD


def patch_me(api: Any, user: User, body: dict[str, Any], **headers: str) -> Any:
    client = api(user)
    return client.client.patch(
        "/api/v1/me",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {client.token}", **headers},
    )


def test_patch_me_sets_language_and_time_zone(api: Any, make_user: Any) -> None:
    user = make_user()
    response = patch_me(api, user, {"language": "ru", "time_zone": "Europe/Moscow"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["language"], body["time_zone"], body["optional_email"]) == ("ru", "Europe/Moscow", True)
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("ru", "Europe/Moscow")
    # Omitted fields stay; "" clears a choice.
    body = patch_me(api, user, {"time_zone": ""}).json()
    assert (body["language"], body["time_zone"]) == ("ru", "")
    assert api(user).get("/me").json()["language"] == "ru"


def test_patch_me_refuses_unknown_values_as_problem_json(api: Any, make_user: Any) -> None:
    user = make_user()
    response = patch_me(api, user, {"language": "klingon", "time_zone": "Mars/Olympus"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert {e["field"] for e in problem["errors"]} == {"language", "time_zone"}
    user.refresh_from_db()
    assert (user.language, user.time_zone) == ("", "")


def test_patch_me_needs_a_user(api: Any) -> None:
    response = api().client.patch("/api/v1/me", data="{}", content_type="application/json")
    assert response.status_code == 401


def test_accept_language_decides_for_people_without_a_choice(make_user: Any) -> None:
    response = Client().get("/login/", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert response["Content-Language"] == "ru"
    assert response.wsgi_request.LANGUAGE_CODE == "ru"
    assert Client().get("/login/", headers={"Accept-Language": "de"})["Content-Language"] == "en"


def test_a_users_choice_wins_over_the_browser(make_user: Any) -> None:
    user = make_user()
    user.language, user.time_zone = "en", "Asia/Tokyo"
    user.save()
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.get("/account/", headers={"Accept-Language": "ru"})  # the profile section
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "JST" in response.content.decode()
    # The thread goes back to UTC after the request.
    assert timezone.get_current_timezone_name() == "UTC"


def test_api_answers_in_the_callers_language(api: Any, make_user: Any) -> None:
    user = make_user()
    user.language = "ru"
    user.save()
    response = api(user).get("/orders/ord_doesnotexist")
    assert response.status_code == 404
    assert response["Content-Language"] == "ru"
    assert response.json()["code"] == "not_found"  # codes stay English


def test_profile_page_saves_choices(make_user: Any) -> None:
    user = make_user()
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    response = client.post("/profile/", {"language": "ru", "time_zone": "Europe/Moscow"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.language, user.time_zone, user.optional_email) == ("ru", "Europe/Moscow", False)
    assert client.get("/account/")["Content-Language"] == "ru"
    response = client.post("/profile/", {"language": "xx", "time_zone": "Nowhere"})
    assert response.status_code == 200
    # The refusal is shown on the account page, in its profile section, beside the other sections.
    assert b'data-testid="account-profile"' in response.content and b'data-testid="account-devices"' in response.content
    assert b'aria-invalid="true"' in response.content or b"errorlist" in response.content
    user.refresh_from_db()
    assert user.language == "ru"


MOMENT = datetime(2026, 3, 12, 14, 0, tzinfo=UTC)


def render(text: str, **context: Any) -> str:
    return Template("{% load parley %}" + text).render(Context(context))


def test_utc_filter_shows_utc_for_people_without_a_zone() -> None:
    assert render("{{ t|utc }}", t=MOMENT) == '<time datetime="2026-03-12T14:00:00+00:00">12 Mar 2026 14:00 UTC</time>'


@pytest.mark.parametrize(
    ("language", "zone", "shown", "title"),
    [
        ("en", "Europe/Moscow", "12 Mar 2026 17:00 MSK", "12 Mar 2026 14:00 UTC"),
        ("ru", "Europe/Moscow", "12 марта 2026, 17:00 MSK", "12 марта 2026, 14:00 UTC"),
        ("ru", "America/New_York", "12 марта 2026, 10:00 EDT", "12 марта 2026, 14:00 UTC"),
    ],
)
def test_utc_filter_shows_local_time_with_utc_as_title(language: str, zone: str, shown: str, title: str) -> None:
    with translation.override(language), timezone.override(zone):
        html = render("{{ t|utc }}", t=MOMENT)
    assert f">{shown}</time>" in html
    assert f'title="{title}"' in html


def test_money_follows_the_readers_locale() -> None:
    with translation.override("ru"):
        assert render("{{ 123456|money:'USD' }}") == "1\xa0234,56 USD"
    with translation.override("en"):
        assert render("{{ 123456|money:'USD' }}") == "1,234.56 USD"
