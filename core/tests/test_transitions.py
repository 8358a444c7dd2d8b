"""Transition tables: the verdict says allowed or names the refusal, and `require()` raises
exactly the refusal the verdict describes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from core.errors import Conflict, DomainError, Forbidden, NotAllowedInState
from core.transitions import Transition, Verdict, check, choice_label, first_refusal
from disputes.models import Dispute
from orders.models import Order
from orders.states import FINAL_STATUSES, PERSON_ACTIONS, TRANSITIONS

TABLE = {
    "ship": Transition.of(["paid"], "shipped", ["seller"]),
    "expire": Transition.of(["paid", "shipped"], "expired", ["system"]),
}


def test_an_allowed_action_has_no_code_or_reason():
    verdict = check(TABLE, "ship", state="paid", roles=frozenset({"seller"}))
    assert verdict == Verdict("ship", True)
    verdict.require()  # does not raise


def test_a_role_outside_the_table_is_forbidden_and_the_reason_names_who_may():
    verdict = check(TABLE, "ship", state="paid", roles=frozenset({"buyer"}))
    assert (verdict.allowed, verdict.code) == (False, "forbidden")
    assert verdict.reason == "Only the seller can do this."
    with pytest.raises(Forbidden) as exc:
        verdict.require()
    assert exc.value.code == "forbidden" and exc.value.status == 403


def test_system_only_actions_say_so():
    verdict = check(TABLE, "expire", state="paid", roles=frozenset({"seller"}))
    assert (verdict.code, verdict.reason) == ("forbidden", "Only the system can do this.")
    both = Transition.of(["paid"], None, ["seller", "staff", "system"])
    assert check({"x": both}, "x", state="paid", roles=frozenset()).reason == ("Only the seller or staff can do this.")


def test_the_wrong_state_is_not_allowed_in_state_with_the_state_in_words():
    verdict = check(TABLE, "ship", state="awaiting_return", roles=frozenset({"seller"}))
    assert (verdict.allowed, verdict.code) == (False, "not_allowed_in_state")
    assert verdict.reason == "Not possible while awaiting return."
    described = check(
        TABLE, "ship", state="shipped", roles=frozenset({"seller"}), describe_state="the order is shipped"
    )
    assert described.reason == "Not possible while the order is shipped."
    with pytest.raises(NotAllowedInState) as exc:
        described.require()
    assert exc.value.code == "not_allowed_in_state" and exc.value.status == 409


def test_a_described_state_is_worded_only_for_the_refusal_that_names_it():
    """A page of orders judges every action of every row: wording the state (a translation) for
    each verdict cost a third of the order list's Python."""
    worded = []

    def describe() -> str:
        worded.append(1)
        return "the order is shipped"

    assert check(TABLE, "ship", state="paid", roles=frozenset({"seller"}), describe_state=describe).allowed
    assert check(TABLE, "ship", state="paid", roles=frozenset(), describe_state=describe).code == "forbidden"
    assert worded == []
    refused = check(TABLE, "ship", state="shipped", roles=frozenset({"seller"}), describe_state=describe)
    assert refused.reason == "Not possible while the order is shipped." and worded == [1]


@pytest.mark.parametrize("language", ["en", "ru"])
def test_a_choice_label_is_what_the_models_display_says(language):
    with translation.override(language):
        for status in Order.Status.values:
            assert choice_label(Order.Status, status) == Order(status=status).get_status_display()
        for status in Dispute.Status.values:
            assert choice_label(Dispute.Status, status) == Dispute(status=status).get_status_display()
    assert choice_label(Order.Status, "no_such_status") == Order(status="no_such_status").get_status_display()


def test_roles_are_checked_before_states():
    # Someone who may never ship learns that, not that the order is in the wrong state.
    assert check(TABLE, "ship", state="shipped", roles=frozenset()).code == "forbidden"


def test_an_unknown_action_is_a_programming_error():
    with pytest.raises(KeyError):
        check(TABLE, "teleport", state="paid", roles=frozenset({"seller"}))


def test_other_refusals_raise_a_conflict_with_their_code_and_time():
    when = datetime(2026, 3, 2, 10, 15, tzinfo=UTC)
    verdict = Verdict("open_dispute", False, "dispute_too_early", "Wait a little.", available_at=when)
    with pytest.raises(Conflict) as exc:
        verdict.require()
    assert (exc.value.code, exc.value.available_at, exc.value.detail) == (
        "dispute_too_early",
        when,
        "Wait a little.",
    )
    assert verdict.as_dict() == {
        "action": "open_dispute",
        "allowed": False,
        "reason": "Wait a little.",
        "available_at": when,
    }


def test_a_refusal_without_reason_still_explains_itself():
    with pytest.raises(DomainError, match="deliver is not allowed now"):
        Verdict("deliver", False, "not_allowed_in_state").require()


def test_first_refusal_picks_the_first_no():
    yes, no1, no2 = Verdict.yes("a"), Verdict("b", False, "x"), Verdict("c", False, "y")
    assert first_refusal(yes, no1, no2) is no1
    assert first_refusal(yes, Verdict.yes("z")).action == "z"


def test_the_order_table_uses_only_the_spec_states_and_every_button_is_in_it():
    spec_states = set(Order.Status.values)
    for action, transition in TRANSITIONS.items():
        assert transition.sources <= spec_states, action
        assert transition.target is None or transition.target in spec_states, action
    assert set(PERSON_ACTIONS) <= set(TRANSITIONS)
    assert spec_states == FINAL_STATUSES | Order.OPEN_STATUSES
    assert not FINAL_STATUSES & Order.OPEN_STATUSES
    # Nothing leaves a final state except talking about it.
    for action, transition in TRANSITIONS.items():
        if action != "message":
            assert not transition.sources & FINAL_STATUSES, action
