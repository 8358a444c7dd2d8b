"""Random interleavings of every party's and the administration's dispute actions, with the
clock jumping 0-8 days between them, under a random preset per example (T2 in the
reliability notes).

After every step: the ledger's invariants hold; an order has at most one unresolved dispute
and at most one settlement; a resolved dispute's settlement is what the ledger wrote (and what
the accepted proposal or the decision previewed); every status is a spec state reached along
the diagram; a refused action raised a `DomainError` and wrote nothing; and the verdicts that
`allowed_actions` shows agree with what the action then did; the staff queue's stored key
(`staff_waiting_since`) is what the case's questions make it, and the queue's order with it. An
action the verdict allows may only fail on its inputs (`ValidationFailed`, or a refund rule's
`Conflict`)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from chat.models import Message
from core import clock
from core.errors import DomainError, ValidationFailed
from core.models import AuditEvent, Deadline
from core.transitions import Verdict
from desk import queries as inbox
from disputes import actions, appeals, mediation, opening, queries, states
from disputes.models import Dispute, InfoRequest, Proposal, ProposalKind, Reason
from disputes.outcomes import delivered_in_fact, has_delivery, standing_request
from disputes.tests.support import (
    PRESETS,
    bring_to_administration,
    settlement_amounts,
    settlement_legs,
    with_computed_staff_waiting_since,
)
from disputes.verdicts import proposal_verdict, verdict
from ledger.models import Entry, Transaction
from notifications.models import Notification
from ops import deadlines
from ops.ledger_check import run_checks
from orders import actions as order_actions
from orders.models import Order
from orders.verdicts import verdict as order_verdict
from policy import active
from policy.rules import Split
from testsupport import factories

hypothesis_settings.register_profile(
    "dispute-machine",
    max_examples=60,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
hypothesis_settings.register_profile(  # the reliability notes' CI size: PARLEY_MACHINE_PROFILE=dispute-machine-long
    "dispute-machine-long",
    parent=hypothesis_settings.get_profile("dispute-machine"),
    max_examples=200,
    stateful_step_count=50,
)
PROFILE = os.environ.get("PARLEY_MACHINE_PROFILE", "dispute-machine")

# Who tries an action, by their role in the case; weighted towards those who usually may.
DUE = ("due", "due", "due")  # whoever the case (or the step at hand) waits for
ROLES = (*DUE, "buyer", "seller", "staff", "stranger")
BUYER_MOSTLY = ("buyer", "buyer", "buyer", "buyer", "seller", "stranger")
STAFF_MOSTLY = ("staff", "staff", "staff", "staff2", "buyer", "seller", "stranger")
FINDINGS = st.lists(
    st.sampled_from(["defective", "not_as_described", "seller_error", "not_delivered", "delivered"]), max_size=2
)
MAX_ORDERS = 3  # per example: enough for interleavings, few enough that cases go deep
# Refusals that judge the request's terms, not the case: an allowed action may still fail so.
REFUND_RULE_CODES = frozenset(
    {"keep_too_high", "keep_not_allowed", "seller_error_required", "nothing_to_return", "nothing_delivered"}
)
DISPUTE_STATES = frozenset(Dispute.Status.values)
ORDER_STATES = frozenset(Order.Status.values)
FINAL_ORDER_STATES = ORDER_STATES - Order.OPEN_STATUSES
# The diagram (PRODUCT.md §4): where one person's action, or one move of the clock, may take a case.
BY_PERSON = {
    "awaiting_seller": {"negotiating", "escalated", "awaiting_return", "awaiting_redelivery", "resolved"},
    "negotiating": {"escalated", "awaiting_return", "awaiting_redelivery", "resolved"},
    "awaiting_return": {"escalated", "resolved"},
    "awaiting_redelivery": {"escalated", "resolved"},
    "escalated": {"awaiting_return", "awaiting_redelivery", "resolved", "decided"},
    "decided": {"appealed", "awaiting_return", "resolved"},  # an appeal; both parties accept
    "appealed": {"awaiting_return", "resolved"},  # the final decision
    "resolved": set(),
}
BY_CLOCK = {
    "awaiting_seller": {"escalated"},
    "negotiating": {"escalated"},
    "awaiting_return": {"escalated"},
    "awaiting_redelivery": {"escalated", "resolved"},
    "escalated": {"resolved"},
    "decided": {"awaiting_return", "resolved"},  # the appeal window closes
    "appealed": set(),
    "resolved": set(),
}
# The step table (disputes.states.STEP_TRANSITIONS) as edges: where a case's step may go next.
STEP_EDGES = {
    step: {rule.target for rule in states.STEP_TRANSITIONS.values() if step in rule.sources}
    for step in (states.NO_STEP, *states.STEP_STATUS)
}
# The move each step waits for.
NEXT_MOVE = {
    "return_shipping": "mark_returned",
    "return_receiving": "confirm_return",
    "redelivering": "redeliver",
    "redelivery_confirming": "confirm_redelivery",
}
ROLE = st.sampled_from(ROLES)
SEED = {
    "preset": st.sampled_from(PRESETS),
    "request": st.sampled_from(opening.REQUESTABLE),
    "stage": st.sampled_from(["opened", "answered", "escalated"]),
}
AMOUNTS = st.one_of(
    st.none(),
    st.sampled_from(["zero", "one", "half", "price-1", "price", "price+1", "negative"]),
    st.integers(min_value=-1000, max_value=10**8),
)
PERCENTS = st.one_of(st.none(), st.integers(min_value=-5, max_value=105))
PICK = st.one_of(st.just(0), st.integers(min_value=0, max_value=7))
# Clock jumps: anything up to 8 days, or one of the policies' instants (and a second short of one).
JUMPS = st.one_of(
    st.integers(min_value=0, max_value=8 * 86400),
    st.sampled_from([1, 60, 15 * 60, 3600, 12 * 3600, 24 * 3600, 36 * 3600, 48 * 3600 - 1, 48 * 3600, 72 * 3600]),
)


class Jumps:
    """The test clock as `bring_to_administration` drives it."""

    def advance(self, seconds: int) -> None:
        deadlines.advance(seconds=seconds)


def bad_input(exc: DomainError) -> bool:
    return isinstance(exc, ValidationFailed) or exc.code in REFUND_RULE_CODES


def never(exc: DomainError) -> bool:
    return False


def amounts_of(split: Split) -> dict[str, int]:
    return {
        "buyer_refund": split.buyer_refund.amount,
        "fee_refund": split.fee_refund.amount,
        "seller_payout": split.seller_payout.amount,
        "platform_fee": split.platform_fee.amount,
    }


def footprint() -> tuple[Any, ...]:
    """Everything an action could write, to prove a refusal wrote nothing."""
    return (
        AuditEvent.objects.count(),
        Entry.objects.count(),
        Notification.objects.count(),
        Message.objects.count(),
        tuple(Proposal.objects.order_by("id").values_list("id", "status")),
        tuple(InfoRequest.objects.order_by("id").values_list("id", "status")),
        tuple(Deadline.objects.order_by("id").values_list("id", "status")),
        tuple(Order.objects.order_by("id").values_list("id", "status")),
        tuple(
            Dispute.objects.order_by("id").values_list(
                "id", "status", "waiting_on_buyer", "waiting_on_seller", "waiting_on_staff", "assignee_id"
            )
        ),
    )


class DisputeMachine(RuleBasedStateMachine):
    start = clock.system_now()  # the test sets the instant every example starts at
    users = Bundle("users")
    orders = Bundle("orders")
    disputes = Bundle("disputes")

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # rolled back in teardown: examples never see each other
        clock.freeze_test_clock(self.start)
        self._policy: override_settings | None = None
        self.by_clock = False
        self.changed = True  # whether the last step wrote anything (if not, the invariants still hold)
        self.placed = 2  # by `seed`
        self.seen: dict[int, str] = {}  # dispute -> status after the previous step
        self.seen_steps: dict[int, str] = {}  # dispute -> its return or redelivery step then
        self.expected: dict[int, dict[str, int]] = {}  # dispute -> the split its agreement previewed

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)
        if self._policy is not None:
            self._policy.disable()
            active.configured_policy.cache_clear()

    # Helpers -----------------------------------------------------------------------------

    def attempt(
        self,
        judged: bool | Verdict,
        action: Callable[[], Any],
        *,
        may_fail: Callable[[DomainError], bool] = bad_input,
    ) -> Any:
        """Runs `action`, which the verdicts judged allowed or not, and holds it to that
        judgement: allowed, it succeeds unless `may_fail` says the refusal is about its inputs;
        refused by a `Verdict`, it fails with the code and the `available_at` that verdict showed
        (or on its inputs, which some actions check first)."""
        allowed = judged if isinstance(judged, bool) else judged.allowed
        self.by_clock, self.changed = False, False
        before = footprint()
        try:
            result = action()
        except DomainError as exc:
            refusal = exc
        else:
            assert allowed, "the verdict refused an action that then succeeded"
            self.changed = True
            return result
        assert footprint() == before, f"a refused action ({refusal.code}) wrote something"
        assert not allowed or may_fail(refusal), f"allowed, but refused: {refusal.code}: {refusal.detail}"
        if isinstance(judged, Verdict) and not allowed and not bad_input(refusal):
            shown = (judged.code, judged.available_at)
            assert (refusal.code, getattr(refusal, "available_at", None)) == shown, f"{refusal!r} but showed {shown}"
        return None

    def actor(self, order: Order, role: str, dispute: Dispute | None = None) -> User:
        if role == "due" and dispute is not None:
            waits = (dispute.waiting_on_seller, dispute.waiting_on_buyer, dispute.waiting_on_staff)
            role = next((r for r, w in zip(("seller", "buyer", "staff"), waits, strict=True) if w), "buyer")
        people = {"buyer": order.buyer, "seller": order.seller, "staff": self.staff, "staff2": self.staff2}
        return people.get(role, self.stranger)

    @staticmethod
    def dispute(pk: int) -> Dispute:
        return Dispute.objects.select_related("order__buyer", "order__seller", "order__policy_version").get(pk=pk)

    @staticmethod
    def order(pk: int) -> Order:
        return Order.objects.select_related("buyer", "seller", "policy_version").get(pk=pk)

    @staticmethod
    def amount(order: Order, choice: int | str | None) -> int | None:
        if choice is None or isinstance(choice, int):
            return choice
        price = order.price_amount
        named = {"zero": 0, "one": 1, "half": price // 2, "price-1": price - 1, "price": price, "price+1": price + 1}
        return named.get(choice, -price)

    def expect_settlement(self, dispute_id: int, split: Split) -> None:
        """Checks now (settled) or on resolution (a return or redelivery first) that the ledger
        moved exactly `split`."""
        dispute = self.dispute(dispute_id)
        if dispute.status == Dispute.Status.RESOLVED:
            assert settlement_amounts(dispute) == amounts_of(split)
        else:
            self.expected[dispute_id] = amounts_of(split)

    # Setup and orders ---------------------------------------------------------------------

    def seed(self, preset: str, request: str, stage: str) -> None:
        """The example's starting point, reached through the real actions under its preset
        (drawn by whichever initialize rule runs first): three people who buy from each other,
        the mediator and a stranger; a delivered order with a dispute opened on it after
        15 minutes (just opened, answered by the seller, or already escalated), and a fresh
        undelivered service order."""
        if hasattr(self, "people"):
            return
        active.configured_policy.cache_clear()
        self._policy = override_settings(POLICY=preset)
        self._policy.enable()
        self.people = [User.objects.create_user(username=f"party{i}", password="x" * 12) for i in range(3)]
        for person in self.people:
            factories.fund(person, 10**8)
        self.staff = User.objects.create_user(username="mediator", password="x" * 12, is_staff=True)
        self.staff2 = User.objects.create_user(username="appeals", password="x" * 12, is_staff=True)
        self.stranger = User.objects.create_user(username="stranger", password="x" * 12)
        first, second, third = self.people
        delivered = factories.delivered_order(first, second, fund_buyer=False)
        deadlines.advance(seconds=15 * 60)
        refund = delivered.price_amount // 3 if request == ProposalKind.PARTIAL_REFUND else None
        dispute = factories.open_dispute(delivered, kind=request, refund_amount=refund)
        if stage == "answered":
            actions.post_message(dispute_id=dispute.pk, by=second, body="What exactly is wrong?")
        elif stage == "escalated":
            bring_to_administration(dispute, Jumps())
        self.first_dispute = dispute.pk
        fresh = factories.paid_order(second, third, kind="service", fund_buyer=False)
        self.first_orders = [delivered.pk, fresh.pk]

    @initialize(target=users, **SEED)
    def people_join(self, preset: str, request: str, stage: str) -> Any:
        self.seed(preset, request, stage)
        return multiple(*(person.pk for person in self.people))

    @initialize(target=orders, **SEED)
    def orders_placed(self, preset: str, request: str, stage: str) -> Any:
        self.seed(preset, request, stage)
        return multiple(*self.first_orders)

    @initialize(target=disputes, **SEED)
    def dispute_opened(self, preset: str, request: str, stage: str) -> Any:
        self.seed(preset, request, stage)
        return self.first_dispute

    @precondition(lambda self: self.placed < MAX_ORDERS)
    @rule(
        target=orders,
        buyer=users,
        seller=users,
        price=st.one_of(st.sampled_from([1, 99, 100_00, 33_33]), st.integers(min_value=1, max_value=5_000_00)),
        kind=st.sampled_from(["product", "product", "service"]),
    )
    def place_order(self, buyer: int, seller: int, price: int, kind: str) -> Any:
        self.placed += 1
        item = factories.listing(User.objects.get(pk=seller), price=price, kind=kind)
        order = self.attempt(
            buyer != seller, lambda: order_actions.place_order(by=User.objects.get(pk=buyer), listing_id=item.pk)
        )
        return order.pk if order else multiple()

    @rule(
        order_id=orders,
        step=st.sampled_from([("deliver", "seller"), ("deliver", "seller"), ("confirm", "buyer")]),
        role=st.sampled_from([*DUE, "buyer", "seller", "stranger"]),
    )
    def deliver_or_confirm(self, order_id: int, step: tuple[str, str], role: str) -> None:
        order = self.order(order_id)
        action, due = step
        by = self.actor(order, due if role == "due" else role)
        judged = order_verdict(order, action, by=by, now=clock.now())
        run = getattr(order_actions, action)
        self.attempt(judged, lambda: run(order_id=order_id, by=by))

    @rule(
        target=disputes,
        order_id=orders,
        role=st.sampled_from(BUYER_MOSTLY),
        reason=st.sampled_from([*Reason.values, *Reason.values, "bogus"]),
        kind=st.sampled_from([*opening.REQUESTABLE, *opening.REQUESTABLE, "withdraw", "bogus"]),
        refund=AMOUNTS,
        accept_terms=st.sampled_from([True, True, True, False]),
    )
    def open_dispute(self, order_id: int, role: str, reason: str, kind: str, refund: Any, accept_terms: bool) -> Any:
        order = self.order(order_id)
        by = self.actor(order, role)
        judged = order_verdict(order, "open_dispute", by=by, now=clock.now())
        dispute = self.attempt(
            judged,
            lambda: opening.open_dispute(
                order_id=order_id,
                by=by,
                reason=reason,
                description="Something is wrong.",
                requested_kind=kind,
                refund_amount=self.amount(order, refund),
                accept_terms=accept_terms,
            ),
        )
        return dispute.pk if dispute else multiple()

    # The parties ---------------------------------------------------------------------------

    @rule(
        dispute_id=disputes,
        role=ROLE,
        body=st.sampled_from(["Hello.", "write me: bob at gmail dot com", "   "]),
    )
    def message(self, dispute_id: int, role: str, body: str) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, "message", by=by, now=clock.now())
        self.attempt(judged, lambda: actions.post_message(dispute_id=dispute_id, by=by, body=body))

    @rule(
        dispute_id=disputes,
        role=ROLE,
        kind=st.sampled_from([*ProposalKind.values, "bogus"]),
        refund=AMOUNTS,
        keep=PERCENTS,
    )
    def propose(self, dispute_id: int, role: str, kind: str, refund: Any, keep: int | None) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, "propose", by=by, now=clock.now())

        def kind_not_theirs(exc: DomainError) -> bool:  # withdrawing is the buyer's proposal alone
            return bad_input(exc) or (kind == ProposalKind.WITHDRAW and role != "buyer" and exc.code == "forbidden")

        proposal = self.attempt(
            judged,
            lambda: actions.propose(
                dispute_id=dispute_id,
                by=by,
                kind=kind,
                refund_amount=self.amount(dispute.order, refund),
                seller_keep_percent=keep,
            ),
            may_fail=kind_not_theirs,
        )
        if proposal is not None and proposal.status == Proposal.Status.ACCEPTED:  # a withdrawal settles at once
            self.expect_settlement(dispute_id, queries.preview_of(proposal))

    def proposal(self, dispute: Dispute, pick: int) -> Proposal | None:
        """The newest proposal most often, older ones (superseded, rejected, lapsed) sometimes."""
        rows = queries.proposals_of(dispute)
        return rows[-1 - pick % len(rows)] if rows else None

    @rule(
        dispute_id=disputes,
        role=ROLE,
        pick=PICK,
        accept=st.sampled_from([True, True, False]),
    )
    def answer_proposal(self, dispute_id: int, role: str, pick: int, accept: bool) -> None:
        dispute = self.dispute(dispute_id)
        proposal = self.proposal(dispute, pick)
        assert proposal is not None  # the buyer's request is always the first
        if role == "due":
            role = "seller" if proposal.author_role == "buyer" else "buyer"
        by = self.actor(dispute.order, role, dispute)
        action = "accept_proposal" if accept else "reject_proposal"
        judged = proposal_verdict(proposal, action, by=by, now=clock.now())
        if accept:
            preview = queries.preview_of(proposal)
            done = self.attempt(judged, lambda: actions.accept_proposal(proposal_id=proposal.pk, by=by), may_fail=never)
            if done is not None:
                self.expect_settlement(dispute_id, preview)
        else:
            self.attempt(judged, lambda: actions.reject_proposal(proposal_id=proposal.pk, by=by))

    @rule(dispute_id=disputes, role=ROLE)
    def escalate(self, dispute_id: int, role: str) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, "escalate", by=by, now=clock.now())
        self.attempt(judged, lambda: actions.escalate(dispute_id=dispute_id, by=by))

    @rule(
        dispute_id=disputes,
        role=ROLE,
        step=st.sampled_from(["next", "next", "mark_returned", "confirm_return", "redeliver", "confirm_redelivery"]),
    )
    def return_or_redelivery_step(self, dispute_id: int, role: str, step: str) -> None:
        dispute = self.dispute(dispute_id)
        if step == "next":  # the step the case waits for
            step = NEXT_MOVE.get(dispute.step, "mark_returned")
        if role == "due":
            role = "buyer" if step in ("mark_returned", "confirm_redelivery") else "seller"
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, step, by=by, now=clock.now())
        self.attempt(judged, lambda: getattr(actions, step)(dispute_id=dispute_id, by=by))

    # The administration ------------------------------------------------------------------

    @rule(
        dispute_id=disputes,
        role=st.sampled_from(STAFF_MOSTLY),
        party=st.sampled_from(["buyer", "seller", "buyer", "seller", "nobody"]),
    )
    def request_info(self, dispute_id: int, role: str, party: str) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, "request_info", by=by, now=clock.now())
        self.attempt(
            judged,
            lambda: mediation.request_info(dispute_id=dispute_id, by=by, party=party, question="Any proof?"),
        )

    @rule(
        dispute_id=disputes,
        role=st.sampled_from(STAFF_MOSTLY),
        assignee=st.sampled_from(["mediator", "mediator", None, "stranger"]),  # a stranger is no staff
    )
    def assign(self, dispute_id: int, role: str, assignee: str | None) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, "assign", by=by, now=clock.now())
        self.attempt(judged, lambda: mediation.assign(dispute_id=dispute_id, by=by, assignee=assignee))

    @rule(dispute_id=disputes, role=ROLE, pick=PICK)
    def answer_info(self, dispute_id: int, role: str, pick: int) -> None:
        dispute = self.dispute(dispute_id)
        requests = queries.info_requests_of(dispute)
        if not requests:
            return
        request = requests[pick % len(requests)]
        by = self.actor(dispute.order, role, dispute)
        # The verdict says whether this person owes any answer; the id must be their open question.
        allowed = verdict(dispute, "answer_info", by=by, now=clock.now()).allowed
        asked = dispute.order.buyer if request.party == "buyer" else dispute.order.seller
        allowed = allowed and request.status == InfoRequest.Status.OPEN and by.pk == asked.pk
        self.attempt(
            allowed,
            lambda: mediation.answer_info(request_id=request.pk, by=by, body="Here it is."),
            may_fail=never,
        )

    @rule(
        dispute_id=disputes,
        role=st.sampled_from(STAFF_MOSTLY),
        outcome=st.sampled_from(["full_refund", "partial_refund", "release_to_seller", "return_and_refund", "x"]),
        refund=AMOUNTS,
        keep=PERCENTS,
        seller_error=st.booleans(),
        findings=FINDINGS,
        note=st.sampled_from(["Decided on the evidence."] * 3 + [""]),
    )
    def decide(
        self,
        dispute_id: int,
        role: str,
        outcome: str,
        refund: Any,
        keep: int | None,
        seller_error: bool,
        findings: list[str],
        note: str,
    ) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        terms = {
            "outcome": outcome,
            "refund_amount": self.amount(dispute.order, refund),
            "seller_error": seller_error,
            "findings": findings,
        }
        judged = verdict(dispute, "decide", by=by, now=clock.now())
        try:
            _, preview = mediation.preview_decision(dispute=dispute, by=by, keep_percent=keep, **terms)
        except DomainError as exc:
            preview, dry_run_refusal = None, exc.code
        decided = self.attempt(
            judged,
            lambda: mediation.decide(dispute_id=dispute_id, by=by, note=note, seller_keep_percent=keep, **terms),
        )
        if preview is None:
            assert decided is None, f"the dry run refused ({dry_run_refusal}) a decision that then went through"
        elif decided is not None:
            self.expect_settlement(dispute_id, preview)
        else:
            assert not note, "the dry run allowed a decision that was then refused"

    @rule(
        dispute_id=disputes,
        outcome=st.sampled_from(["full_refund", "release_to_seller"]),
        second=st.booleans(),
        findings=FINDINGS,
    )
    def decide_plainly(self, dispute_id: int, outcome: str, second: bool, findings: list[str]) -> None:
        """A decision with sound terms, by either mediator, so cases often reach `decided` and
        `appealed` (the rule above mostly explores refusals)."""
        dispute = self.dispute(dispute_id)
        by = self.staff2 if second else self.staff
        judged = verdict(dispute, "decide", by=by, now=clock.now())
        terms = {"outcome": outcome, "findings": findings}
        try:
            _, preview = mediation.preview_decision(dispute=dispute, by=by, **terms)
        except DomainError:
            preview = None
        decided = self.attempt(judged, lambda: mediation.decide(dispute_id=dispute_id, by=by, note="Plain.", **terms))
        if decided is not None:
            assert preview is not None, "the dry run refused a decision that then went through"
            self.expect_settlement(dispute_id, preview)

    @rule(dispute_id=disputes, role=ROLE, reason=st.sampled_from(["The evidence was misread."] * 3 + [" "]))
    def appeal(self, dispute_id: int, role: str, reason: str) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, "appeal", by=by, now=clock.now())
        self.attempt(judged, lambda: appeals.appeal(dispute_id=dispute_id, by=by, reason=reason))

    @precondition(lambda self: Dispute.objects.filter(status=Dispute.Status.DECIDED).exists())
    @rule(party=st.sampled_from(["buyer", "seller"]))
    def appeal_a_decision(self, party: str) -> None:
        """A party appeals a case waiting in `decided` (so appeals are not left to chance)."""
        dispute = self.dispute(Dispute.objects.filter(status=Dispute.Status.DECIDED).values_list("pk", flat=True)[0])
        by = self.actor(dispute.order, party)
        judged = verdict(dispute, "appeal", by=by, now=clock.now())
        self.attempt(judged, lambda: appeals.appeal(dispute_id=dispute.pk, by=by, reason="Please look again."))

    @rule(dispute_id=disputes, role=ROLE)
    def accept_decision(self, dispute_id: int, role: str) -> None:
        dispute = self.dispute(dispute_id)
        by = self.actor(dispute.order, role, dispute)
        judged = verdict(dispute, "accept_decision", by=by, now=clock.now())
        self.attempt(judged, lambda: appeals.accept_decision(dispute_id=dispute_id, by=by), may_fail=never)

    # Time ------------------------------------------------------------------------------------

    @rule(seconds=JUMPS)
    def advance_clock(self, seconds: int) -> None:
        ran = deadlines.advance(seconds=seconds).ran
        self.by_clock, self.changed = True, ran > 0

    @rule(early=st.integers(min_value=0, max_value=1))
    def advance_to_next_deadline(self, early: int) -> None:
        """Jumps to the next pending deadline (or a second short of it): the edges that matter."""
        upcoming = Deadline.objects.filter(status=Deadline.Status.PENDING).order_by("due_at").first()
        seconds = int((upcoming.due_at - clock.now()).total_seconds()) - early if upcoming else 3600
        self.advance_clock(max(seconds, 0))

    # Invariants ----------------------------------------------------------------------------

    @invariant()
    def ledger_is_sound(self) -> None:
        if not self.changed:
            return
        assert run_checks().problems == []
        settled_twice = (
            Transaction.objects.filter(kind=Transaction.Kind.ORDER_SETTLED)
            .values("order_id")
            .annotate(n=Count("id"))
            .filter(n__gt=1)
        )
        assert not settled_twice.exists()
        assert not Deadline.objects.filter(attempts__gt=0).exists(), "a deadline handler crashed"

    @invariant()
    def orders_and_disputes_agree(self) -> None:
        if not self.changed:
            return
        unresolved: dict[int, int] = {}
        for order_id in Dispute.objects.exclude(status=Dispute.Status.RESOLVED).values_list("order_id", flat=True):
            unresolved[order_id] = unresolved.get(order_id, 0) + 1
        assert all(n == 1 for n in unresolved.values()), "two unresolved disputes on one order"
        for order_id, status in Order.objects.values_list("id", "status"):
            assert status in ORDER_STATES
            assert (status == Order.Status.DISPUTED) == (order_id in unresolved)

    @invariant()
    def disputes_follow_the_diagram(self) -> None:
        if not self.changed:
            return
        edges = BY_CLOCK if self.by_clock else BY_PERSON
        for dispute in Dispute.objects.select_related("order__buyer", "order__seller"):
            status = dispute.status
            assert status in DISPUTE_STATES
            before = self.seen.get(dispute.pk)
            assert before is None or status == before or status in edges[before], f"{before} -> {status}"
            self.seen[dispute.pk] = status
            if status == Dispute.Status.ESCALATED:
                self.expected.pop(dispute.pk, None)  # whatever was agreed, the administration decides now
            elif status == Dispute.Status.APPEALED:
                self.expected.pop(dispute.pk, None)  # the appealed decision is set aside: the next one settles
            elif status == Dispute.Status.RESOLVED and before != status:
                self.check_resolution(dispute)

    @invariant()
    def steps_follow_their_table(self) -> None:
        """Mirrors the diagram's check on the step table: a step stands beside its status, and
        moves only along the table."""
        if not self.changed:
            return
        for pk, status, step in Dispute.objects.values_list("pk", "status", "step"):
            assert states.STEP_STATUS.get(step, status) == status, f"{step} beside {status}"
            assert (step == states.NO_STEP) == (status not in states.STEP_STATUS.values())
            before = self.seen_steps.get(pk)
            assert before in (None, step) or step in STEP_EDGES[before], f"step {before!r} -> {step!r}"
            self.seen_steps[pk] = step

    @invariant()
    def the_staff_queue_key_is_what_the_questions_say(self) -> None:
        """The stored `staff_waiting_since` is what the questions of the case make it, and the
        staff queue (which sorts by it) holds the cases and the order that the questions give."""
        if not self.changed:
            return
        rows = with_computed_staff_waiting_since(Dispute.objects.all())
        for pk, stored, computed in rows.values_list("pk", "staff_waiting_since", "computed_since"):
            assert stored == computed, f"dispute {pk}: stored {stored}, computed {computed}"
        waiting = rows.filter(status__in=(Dispute.Status.ESCALATED, Dispute.Status.APPEALED), waiting_on_staff=True)
        expected = list(waiting.order_by("computed_due", "id").values_list("pk", "computed_due"))
        queue = inbox._dispute_rows(inbox.Filters(viewer=self.staff), clock.now())
        assert list(queue.values_list("pk", "due")) == expected

    def check_resolution(self, dispute: Dispute) -> None:
        order = dispute.order
        assert order.status in FINAL_ORDER_STATES
        amounts = settlement_amounts(dispute)
        assert settlement_legs(order) == {
            "buyer": amounts["buyer_refund"] + amounts["fee_refund"],
            "seller": amounts["seller_payout"],
            "platform": amounts["platform_fee"],
            "escrow": -order.total.amount,
        }
        if dispute.pk in self.expected:
            assert amounts == self.expected.pop(dispute.pk), "the settlement is not what was previewed"
        assert_never_for_nothing(dispute, amounts)
        assert_never_more_than_asked(dispute, amounts)


def assert_never_for_nothing(dispute: Dispute, amounts: dict[str, int]) -> None:
    """Nothing pays a seller for an order never delivered, unless a mediator found it was."""
    if amounts["seller_payout"] == 0 and amounts["buyer_refund"] == dispute.order.price_amount:
        return
    assert delivered_in_fact(dispute, dispute.findings), f"paid for nothing: {dispute.decided_by} {amounts}"


def assert_never_more_than_asked(dispute: Dispute, amounts: dict[str, int]) -> None:
    """An automatic outcome for the buyer gives at most the buyer's standing request."""
    if dispute.decided_by not in ("timeout", "forfeit") or amounts["buyer_refund"] == 0:
        return
    request = standing_request(dispute)
    assert request is not None
    price = dispute.order.price_amount
    if request.kind == ProposalKind.PARTIAL_REFUND:
        most = request.refund_amount or 0
    elif request.kind == ProposalKind.FULL_REFUND or not has_delivery(dispute):
        most = price  # a full refund asked for, or the goods asked for never came
    else:
        most = 0
    assert amounts["buyer_refund"] <= most, f"{amounts['buyer_refund']} refunded, {request.kind} asked"


@pytest.mark.django_db
def test_random_dispute_histories_keep_every_invariant():
    DisputeMachine.start = clock.now()
    run_state_machine_as_test(DisputeMachine, settings=hypothesis_settings.get_profile(PROFILE))
