"""What reading one case costs: the dispute is found by its unique public id in a join of the
tables its answer shows, the staff it names in one more light query, and none of it changes
what the answer says."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from disputes import appeals, mediation
from disputes.tests.support import bring_to_administration
from testsupport import factories

# GET /disputes/{id} of a case no staff member has touched, test clock off: token, rate-limit
# read, the dispute with its order and parties, proposals, evidence, questions, deadlines, timeline.
FRESH_CASE_QUERIES = 8


class Jumps:
    def __init__(self, tclock) -> None:
        self.tclock = tclock

    def advance(self, seconds: int) -> None:
        self.tclock.advance(seconds=seconds)


@pytest.fixture
def people(make_user):
    return make_user("buyer"), make_user("seller"), make_user("mediator", staff=True), make_user("second", staff=True)


def read(client, dispute_id: str) -> tuple[dict, list[str]]:
    with override_settings(TEST_CLOCK_ENABLED=False), CaptureQueriesContext(connection) as captured:
        response = client.get(f"/disputes/{dispute_id}")
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in captured.captured_queries]


def the_dispute_read(sqls: list[str]) -> str:
    (sql,) = [s for s in sqls if re.match(r'SELECT .* FROM "disputes_dispute"', s)]
    return sql


def test_a_fresh_case_is_read_by_its_key_without_limit_or_staff_joins(api, make_user, tclock):
    """`first()`'s ORDER BY … LIMIT 1 over a join of nine tables made PostgreSQL weigh every join
    order for the cheapest first row: 6-15 ms of planning per request for a row a unique key finds."""
    buyer = make_user()
    dispute = factories.dispute_of(buyer)
    body, sqls = read(api(buyer), dispute.public_id)
    sql = the_dispute_read(sqls)
    assert " LIMIT " not in sql and " ORDER BY " not in sql
    assert sql.count(" JOIN ") == 4  # the order, its buyer, its seller, its policy version
    assert "catalog_listing" not in sql  # the answer shows the order's snapshot, not the listing
    assert len(sqls) == FRESH_CASE_QUERIES
    assert body["id"] == dispute.public_id and body["assignee"] is None and body["resolution"] is None
    assert body["buyer"] == buyer.username and body["seller"] == dispute.order.seller.username


def test_a_decided_and_appealed_case_names_its_staff_with_one_query_more(api, people, tclock, preset):
    buyer, seller, mediator, second = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="defective"), Jumps(tclock))
    mediation.assign(dispute_id=dispute.pk, by=mediator, assignee="mediator")
    mediation.decide(dispute_id=dispute.pk, by=mediator, outcome="full_refund", note="Refund.")
    appeals.appeal(dispute_id=dispute.pk, by=seller, reason="It works.")
    mediation.assign(dispute_id=dispute.pk, by=second, assignee="second")
    mediation.decide(dispute_id=dispute.pk, by=second, outcome="release_to_seller", note="It works indeed.")

    body, sqls = read(api(buyer), dispute.public_id)
    assert body["assignee"] == "second"
    assert body["resolution"]["decided_by_user"] == "second"
    staff_reads = [s for s in sqls if re.match(r'SELECT .* FROM "accounts_user"', s)]
    assert len(staff_reads) == 1  # assignee, decider and first decider together
    assert " JOIN " not in staff_reads[0]

    fresh, fresh_sqls = read(api(buyer), factories.dispute_of(buyer).public_id)
    assert len(sqls) <= len(fresh_sqls) + 1 + 4  # + the staff, + what a decided case's file adds


def test_the_staff_verdicts_still_know_the_first_decider(api, people, tclock, preset):
    """The appeal must go to someone else: the read model's verdicts read `first_decider`."""
    buyer, seller, mediator, second = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order, reason="defective"), Jumps(tclock))
    mediation.decide(dispute_id=dispute.pk, by=mediator, outcome="full_refund", note="Refund.")
    appeals.appeal(dispute_id=dispute.pk, by=seller, reason="It works.")

    def may_decide(user) -> bool:
        body, _ = read(api(user), dispute.public_id)
        return any(a["action"] == "decide" and a["allowed"] for a in body["allowed_actions"])

    assert not may_decide(mediator)
    assert may_decide(second)


def test_an_order_is_read_by_its_key_without_limit_or_its_listing(api, make_user):
    buyer, seller = make_user("buyer"), make_user("seller")
    order = factories.paid_order(buyer, seller)
    with override_settings(TEST_CLOCK_ENABLED=False), CaptureQueriesContext(connection) as captured:
        response = api(buyer).get(f"/orders/{order.public_id}")
    assert response.status_code == 200, response.content
    (sql,) = [q["sql"] for q in captured.captured_queries if re.match(r'SELECT .* FROM "orders_order"', q["sql"])]
    assert " LIMIT " not in sql and " ORDER BY " not in sql
    assert "catalog_listing" not in sql and sql.count(" JOIN ") == 3  # buyer, seller, policy version
    assert response.json()["id"] == order.public_id


def test_the_order_list_says_of_each_order_what_its_own_read_says(api, make_user, tclock):
    """The list builds its page from rows validated once (`api.schemas.page_of`), its parts as
    dicts: the answer is the same, byte for byte, as each order's own read."""
    buyer, seller = make_user("buyer"), make_user("seller")
    paid = factories.paid_order(buyer, seller)
    delivered = factories.delivered_order(buyer, seller)
    client = api(buyer)
    with override_settings(TEST_CLOCK_ENABLED=False):
        listed = client.get("/orders").json()["items"]
        read_one = [client.get(f"/orders/{o.public_id}").json() for o in (delivered, paid)]
    assert listed == read_one
    assert [a["action"] for a in listed[0]["allowed_actions"]] == ["confirm", "open_dispute", "cancel"]
    assert listed[0]["deadlines"] and listed[0]["price"] == {"amount": 100_00, "currency": "USD"}


def test_the_dispute_list_says_of_each_case_what_its_own_read_says(api, make_user, tclock):
    buyer = make_user("buyer")
    first, second = factories.dispute_of(buyer), factories.dispute_of(buyer)
    client = api(buyer)
    with override_settings(TEST_CLOCK_ENABLED=False):
        listed = client.get("/disputes").json()["items"]
        read_one = [client.get(f"/disputes/{d.public_id}").json() for d in (second, first)]
    assert [item["id"] for item in listed] == [second.public_id, first.public_id]
    for item, whole in zip(listed, read_one, strict=True):
        assert item == {key: whole[key] for key in item}
        assert item["allowed_actions"] and item["deadlines"]


def test_the_dispute_list_reads_its_page_without_staff_joins_and_names_staff_in_one_query(api, people, tclock, preset):
    """The list's page planned a seven-table join under its keyset ORDER BY … LIMIT (3-7 ms of
    planning against 0.5 ms without the three staff joins); the staff are one query by the
    page's disputes, read on every page, so a page naming nobody costs what one naming staff does."""
    buyer, seller, mediator, second = people
    order = factories.delivered_order(buyer, seller, price=100_00)
    tclock.advance(minutes=15)
    named = bring_to_administration(factories.open_dispute(order, reason="defective"), Jumps(tclock))
    mediation.assign(dispute_id=named.pk, by=mediator, assignee="mediator")
    fresh = factories.dispute_of(buyer)

    def list_of(user, **query) -> tuple[dict, list[str]]:
        with override_settings(TEST_CLOCK_ENABLED=False), CaptureQueriesContext(connection) as captured:
            response = api(user).get("/disputes", **query)
        assert response.status_code == 200, response.content
        return response.json(), [q["sql"] for q in captured.captured_queries]

    body, sqls = list_of(buyer)
    (page_sql,) = [s for s in sqls if s.startswith('SELECT "disputes_dispute"."id"')]
    assert page_sql.count(" JOIN ") == 4  # the order, its buyer, its seller, its policy version
    staff_reads = [s for s in sqls if re.match(r'SELECT .* FROM "accounts_user"', s)]
    assert len(staff_reads) == 1
    assert {item["id"]: item["assignee"] for item in body["items"]} == {
        named.public_id: "mediator",
        fresh.public_id: None,
    }
    nobody, nobody_sqls = list_of(buyer, limit=1)  # the fresh case only: it names no staff
    assert [item["id"] for item in nobody["items"]] == [fresh.public_id]
    assert len(nobody_sqls) == len(sqls)
