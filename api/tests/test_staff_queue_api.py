"""`GET /staff/queue`: the staff inbox's queue for the API, in the same order as the web page,
read by cursor; staff only; its filters and search; refusals as problem+json."""

from __future__ import annotations

import pytest

from core import clock
from desk import queries
from testsupport.desk import Desk


@pytest.fixture
def desk(make_user, tclock):
    grown = Desk(owner=make_user("owner"), buyer=make_user("buyer"), staff=make_user("agent", staff=True))
    grown.grow(6)
    return grown


def problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    return body


def walk(client, **params) -> list[dict]:
    items, cursor = [], None
    while True:
        response = client.get("/staff/queue", **params, **({"cursor": cursor} if cursor else {}))
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["items"]) <= params.get("limit", 20)
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_the_queue_reads_in_the_web_inbox_order_page_by_page(api, desk):
    staff = api(desk.staff)
    everything = walk(staff, limit=3)
    web = queries.page(queries.Filters(viewer=desk.staff), now=clock.now())
    assert [i["id"] for i in everything] == [i.ref for i in web.items]
    assert len(everything) == web.total and len({i["id"] for i in everything}) == len(everything)
    assert {i["kind"] for i in everything} == {"dispute", "info_request", "ticket"}
    due = [i["due_at"] for i in everything]
    assert due == sorted(due)
    dispute = next(i for i in everything if i["kind"] == "dispute")
    assert dispute["case_id"] == dispute["id"] and dispute["amount"]["currency"] == "USD"
    assert dispute["people"][0] == "buyer" and dispute["why"] and dispute["reason"]
    question = next(i for i in everything if i["kind"] == "info_request")
    assert question["case_id"].startswith("dsp_") and question["target"] == question["due_at"]
    ticket = next(i for i in everything if i["kind"] == "ticket")
    assert ticket["case_id"] == ticket["id"] and ticket["people"] == ["owner"]


def test_the_filters_and_the_search(api, desk):
    staff = api(desk.staff)
    tickets = walk(staff, kind="ticket")
    assert tickets and {i["kind"] for i in tickets} == {"ticket"}
    mine = walk(staff, assignee="me")
    assert mine and {i["assignee"] for i in mine} == {"agent"}
    nobody = walk(staff, assignee="unassigned")
    assert nobody and {i["assignee"] for i in nobody} == {None}
    target = desk.disputes[0]
    found = walk(staff, q=target.public_id)
    assert [i["id"] for i in found] == [target.public_id]
    assert {i["kind"] for i in walk(staff, q="Question 0")} == {"ticket"}
    assert walk(staff, reason="incorrect") and {i["kind"] for i in walk(staff, reason="incorrect")} != {"ticket"}


def test_only_staff_read_the_queue_and_bad_input_is_a_problem(api, desk):
    problem(api().get("/staff/queue"), 401, "not_authenticated")
    problem(api(desk.owner).get("/staff/queue"), 403, "forbidden")
    staff = api(desk.staff)
    problem(staff.get("/staff/queue", cursor="not-a-cursor"), 422, "validation_error")
    problem(staff.get("/staff/queue", limit=0), 422, "validation_error")
    problem(staff.get("/staff/queue", assignee="nobody-of-ours"), 422, "validation_error")
    problem(staff.get("/staff/queue", reason="bored"), 422, "validation_error")
    problem(staff.get("/staff/queue", kind="everything"), 422, "validation_error")


def test_the_queue_is_documented(api):
    from api.main import api as ninja_api

    operation = ninja_api.get_openapi_schema()["paths"]["/api/v1/staff/queue"]["get"]
    assert "most pressing first" in operation["description"]
    assert {p["name"] for p in operation["parameters"]} >= {
        "kind",
        "status",
        "assignee",
        "reason",
        "q",
        "cursor",
        "limit",
    }
