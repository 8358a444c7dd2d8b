"""The staff inbox: one queue of escalated disputes, information requests and tickets, ordered
by what is really due for each, with every filter, breach markers and pages.

One desk, built through the actions at known moments (hours after START):
  tA  ticket opened at 20h: first answer due 24h (breached at 30h)
  d2  dispute escalated at 25h (reason defective)
  d1  dispute escalated at 26h, assigned to the viewer
  d3  dispute escalated at 24h50, a question to the seller answered at 28h: waiting since 28h
  tC  ticket answered, the owner replied at 26h30: answer due 30h30 (an internal note at 29h30
      moves updated_at, not its place)
  tB  ticket opened at 29h: first answer due 33h, assigned to zed
  q4  question to the buyer of dispute d4 (escalated at 27h, assigned to zed): due 27h + 7 days
The viewer looks at 30h. The desk runs under a policy without a decision target (as igitems and
difmark do), so escalated disputes sort by how long they have waited; the last tests add one."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import translation

from conftest import START
from core import clock
from core.transitions import choice_label
from desk import queries as inbox
from disputes import actions as disputes
from disputes import mediation
from disputes.models import Dispute, Reason
from policy.active import configured_policy
from testsupport import factories
from tickets import actions as tickets

POLICY = configured_policy()
ORDER = ["tA", "d2", "d1", "d3", "tC", "tB", "q4"]


def at(hours: float) -> None:
    clock.set_test_time(START + timedelta(hours=hours))


@pytest.fixture
def no_target(policy_file):
    policy_file('extends = "standard"\ndecision_target = "none"\n', "no-target")


@pytest.fixture
def desk(no_target, make_user, tclock):
    viewer = make_user("agent", staff=True)
    make_user("zed", staff=True)
    owner, buyer = make_user("owner"), make_user("buyer")
    refs: dict[str, str] = {}

    def dispute(name, reason="incorrect"):
        order = factories.delivered_order(buyer, make_user(f"seller-{name}"))
        clock.set_test_time(clock.now() + POLICY.min_order_age)
        return factories.open_dispute(order, reason=reason)

    def ticket(name):
        found = tickets.open_ticket(by=owner, subject=name, category="other", body="Help.")
        refs[name] = found.public_id
        return found

    tC = ticket("tC")
    d1, d2, d3, d4 = dispute("d1"), dispute("d2", reason="defective"), dispute("d3"), dispute("d4")
    refs.update({"d1": d1.public_id, "d2": d2.public_id, "d3": d3.public_id})
    at(1)
    tickets.reply(ticket_id=tC.pk, by=viewer, body="An answer.")
    at(20)
    ticket("tA")
    at(24 + 50 / 60)
    disputes.escalate(dispute_id=d3.pk, by=buyer)
    question3 = mediation.request_info(dispute_id=d3.pk, by=viewer, party="seller", question="Proof?")
    at(25)
    disputes.escalate(dispute_id=d2.pk, by=buyer)
    at(26)
    disputes.escalate(dispute_id=d1.pk, by=buyer)
    mediation.assign(dispute_id=d1.pk, by=viewer, assignee="agent")
    at(26.5)
    tickets.reply(ticket_id=tC.pk, by=owner, body="Still broken.")
    at(27)
    disputes.escalate(dispute_id=d4.pk, by=buyer)
    mediation.assign(dispute_id=d4.pk, by=viewer, assignee="zed")
    refs["q4"] = mediation.request_info(dispute_id=d4.pk, by=viewer, party="buyer", question="Screenshot?").public_id
    at(28)
    mediation.answer_info(request_id=question3.pk, by=d3.order.seller, body="Here.")
    at(29)
    tB = ticket("tB")
    tickets.assign(ticket_id=tB.pk, by=viewer, assignee_username="zed")
    at(29.5)
    tickets.add_internal_note(ticket_id=tC.pk, by=viewer, body="Looking into it.")
    at(30)
    names = {ref: name for name, ref in refs.items()}
    return viewer, names


def shown(viewer, names, now=None, **query):
    filters = inbox.Filters.from_query(query, viewer=viewer, staff={"agent", "zed"})
    return [names[item.ref] for item in inbox.page(filters, now=now or clock.now()).items]


def items(viewer, names, now=None):
    filters = inbox.Filters(viewer=viewer)
    return {names[i.ref]: i for i in inbox.page(filters, now=now or clock.now()).items}


def test_everything_sorts_by_what_is_really_due_for_it(desk):
    viewer, names = desk
    assert shown(viewer, names) == ORDER
    by_name = items(viewer, names)
    hours = {name: (item.due_at - START) / timedelta(hours=1) for name, item in by_name.items()}
    assert hours == {"tA": 24, "d2": 25, "d1": 26, "d3": 28, "tC": 30.5, "tB": 33, "q4": 27 + 7 * 24}
    assert [by_name[n].due_label for n in ORDER] == [
        "first answer due",
        "waiting since",
        "waiting since",
        "waiting since",
        "answer due",
        "first answer due",
        "answer due",
    ]
    assert "replied 03 Mar 12:30 UTC" in by_name["tC"].detail  # the reply, not the note at 29h30


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"kind": "dispute"}, ["d2", "d1", "d3"]),
        ({"kind": "info_request"}, ["q4"]),
        ({"kind": "ticket"}, ["tA", "tC", "tB"]),
        ({"kind": "nonsense"}, ORDER),
        ({"status": "waiting_on_us"}, ["tA", "d2", "d1", "d3", "tC", "tB"]),
        ({"status": "waiting_on_party"}, ["q4"]),
        ({"status": "breached"}, ["tA"]),
        ({"status": "breached", "kind": "dispute"}, []),
        ({"assignee": "me"}, ["d1"]),
        ({"assignee": "zed"}, ["tB", "q4"]),
        ({"assignee": "unassigned"}, ["tA", "d2", "d3", "tC"]),
        ({"assignee": "somebody-else"}, ORDER),
        ({"reason": "defective"}, ["d2"]),
        ({"reason": "incorrect"}, ["d1", "d3", "q4"]),
        ({"assignee": "zed", "status": "waiting_on_us"}, ["tB"]),
    ],
)
def test_each_filter(desk, query, expected):
    viewer, names = desk
    assert shown(viewer, names, **query) == expected


def test_breach_markers_follow_each_target_and_disputes_show_how_long_they_waited(desk):
    viewer, names = desk
    now = clock.now()
    assert [n for n, i in items(viewer, names, now).items() if i.breach] == ["tA"]
    assert [n for n, i in items(viewer, names, now).items() if i.waiting] == ["d2", "d1", "d3"]

    reply_target_passed = START + timedelta(hours=30.5, seconds=1)
    assert [n for n, i in items(viewer, names, reply_target_passed).items() if i.breach] == ["tA", "tC"]

    # The worker has not yet forfeited the buyer's position: the question shows its breach.
    question_overdue = START + timedelta(hours=27, days=7)
    breached = [n for n, i in items(viewer, names, question_overdue).items() if i.breach]
    assert breached == ["tA", "tC", "tB", "q4"]
    assert shown(viewer, names, now=question_overdue, status="breached") == ["tA", "tC", "tB", "q4"]


def test_pages_hold_the_queue_in_order_and_say_how_much_there_is(desk, monkeypatch):
    viewer, names = desk
    monkeypatch.setattr(inbox, "PAGE_SIZE", 3)
    pages = [shown(viewer, names, page=str(n)) for n in (1, 2, 3)]
    assert pages == [ORDER[:3], ORDER[3:6], ORDER[6:]]
    assert shown(viewer, names, page="99") == ORDER[6:]
    last = inbox.page(inbox.Filters(page=99, viewer=viewer), now=clock.now())
    assert (last.total, last.number, last.pages, last.first, last.last) == (7, 3, 3, 7, 7)
    assert last.next_query is None and last.previous_query == "kind=all&status=all&assignee=all&reason=&page=2"


def test_the_page_shows_the_filters_the_count_and_the_way_on(desk, client, monkeypatch):
    viewer, names = desk
    monkeypatch.setattr(inbox, "PAGE_SIZE", 3)
    client.force_login(viewer)
    page = client.get("/staff/?status=waiting_on_us&page=2").content.decode()
    assert [names[ref] for ref in re.findall(r'data-ref="([^"]+)"', page)] == ["d3", "tC", "tB"]
    assert "Showing 4\N{EN DASH}6 of 6" in page
    assert 'href="?kind=all&amp;status=waiting_on_us&amp;assignee=all&amp;reason=&amp;page=1"' in page
    assert '<option value="zed" >zed</option>' in page and '<option value="waiting_on_us" selected>' in page
    assert page.count('data-testid="breach"') == 0 and page.count('data-testid="waiting"') == 1
    first = client.get("/staff/?status=waiting_on_us").content.decode()
    assert first.count('data-testid="breach"') == 1 and first.count('data-testid="waiting"') == 2

    named = client.get("/staff/?assignee=zed").content.decode()
    assert [names[ref] for ref in re.findall(r'data-ref="([^"]+)"', named)] == ["tB", "q4"]
    assert '<option value="zed" selected>' in named


def test_a_decision_target_orders_the_disputes_and_marks_its_breach(make_user, tclock):
    # Under standard (decision_target 72 h) an escalated dispute is due 72 h after it escalated.
    viewer, buyer = make_user("agent", staff=True), make_user("buyer")
    disputes_by_name = {}
    for name in ("early", "late"):
        order = factories.delivered_order(buyer, make_user(f"seller-{name}"))
        clock.set_test_time(clock.now() + POLICY.min_order_age)
        disputes_by_name[name] = factories.open_dispute(order)
    at(25)
    disputes.escalate(dispute_id=disputes_by_name["late"].pk, by=buyer)
    at(26)
    disputes.escalate(dispute_id=disputes_by_name["early"].pk, by=buyer)
    names = {d.public_id: name for name, d in disputes_by_name.items()}
    listed = items(viewer, names)
    assert shown(viewer, names) == ["late", "early"]
    assert (listed["late"].due_at - START, listed["late"].due_label) == (timedelta(hours=25 + 72), "decision due")
    assert not any(i.breach or i.waiting for i in listed.values())
    past = START + timedelta(hours=25 + 72, seconds=1)
    assert [n for n, i in items(viewer, names, past).items() if i.breach] == ["late"]
    assert shown(viewer, names, now=past, status="breached") == ["late"]


def test_the_queue_words_a_reason_as_the_field_does_in_the_readers_language():
    """The queue words reasons with `core.transitions.choice_label` instead of
    `get_reason_display()` per row (which translates every label each time): the same words."""
    for language in ("en", "ru"):
        with translation.override(language):
            for value, _label in Reason.choices:
                assert choice_label(Reason, value) == Dispute(reason=value).get_reason_display()
    with translation.override("ru"):
        assert choice_label(Reason, "defective") != "Defective"
