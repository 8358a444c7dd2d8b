"""A seller suspended and reinstated at random moments while two buyers order, the seller
delivers, buyers confirm or cancel and the clock runs. After every step: no order is placed
while the seller is suspended, a buyer may cancel exactly while the seller is suspended and the
order undelivered (and the page offers exactly that), a delivered order never completes by
itself while the seller is suspended, the seller holds exactly the price of every completed
order, and the books add up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts import actions as accounts
from accounts.models import User
from core import clock
from core.errors import DomainError
from ledger.queries import wallet_balance
from ops import deadlines
from ops.ledger_check import run_checks
from orders import actions
from orders.models import Order
from orders.verdicts import allowed_actions, verdict
from policy import rules
from policy.active import configured_policy
from testsupport import factories


def _attempt[T](call: Callable[[], T]) -> tuple[T | None, DomainError | None]:
    try:
        return call(), None
    except DomainError as refusal:
        return None, refusal


@dataclass
class Expected:
    buyer: int
    price: int
    status: str = "paid"
    completes_at: datetime | None = None  # None while held or not delivered
    cancellable_at: datetime | None = None  # the buyer's own cancel: `delivery_due` passed
    cancels_at: datetime | None = None  # `auto_cancel_after`: undelivered, it cancels by itself


class Suspensions(RuleBasedStateMachine):
    @initialize()
    def people(self) -> None:
        tag = User.objects.count()
        self.seller = User.objects.create_user(username=f"s{tag}", email="s@example.org", password="x" * 12)
        self.staff = User.objects.create_user(username=f"st{tag}", email="st@example.org", password="x" * 12)
        self.staff.is_staff = True
        self.staff.save()
        self.buyers = [
            User.objects.create_user(username=f"b{tag}-{i}", email="b@example.org", password="x" * 12) for i in range(2)
        ]
        for buyer in self.buyers:
            factories.fund(buyer, 1_000_00)
        self.listing = factories.listing(self.seller, price=10_00)
        self.suspended = False
        self.model: dict[int, Expected] = {}
        self.window = configured_policy().guarantee_window

    @rule(who=st.integers(0, 1))
    def order(self, who: int) -> None:
        order, refusal = _attempt(lambda: actions.place_order(by=self.buyers[who], listing_id=self.listing.pk))
        if refusal is not None:
            assert self.suspended and refusal.code == "seller_unavailable"
            return
        assert order is not None and not self.suspended, "an order was placed with a suspended seller"
        policy = order.policy
        self.model[order.pk] = Expected(
            buyer=who,
            price=order.price_amount,
            cancellable_at=rules.delivery_due_at(policy, placed_at=order.placed_at),
            cancels_at=rules.auto_cancel_at(policy, placed_at=order.placed_at),
        )

    @precondition(lambda self: any(m.status == "paid" for m in self.model.values()) and not self.suspended)
    @rule(pick=st.integers(0, 100))
    def deliver(self, pick: int) -> None:
        pk = self._pick("paid", pick)
        order = actions.deliver(order_id=pk, by=self.seller)
        self.model[pk].status = "delivered"
        self.model[pk].completes_at = order.delivered_at + self.window

    @precondition(lambda self: not self.suspended)
    @rule()
    def suspend(self) -> None:
        accounts.suspend(user_id=self.seller.pk, by=self.staff, reason="Checking reports.")
        self.suspended = True
        for m in self.model.values():
            if m.status == "delivered":
                m.completes_at = None

    @precondition(lambda self: self.suspended)
    @rule()
    def reinstate(self) -> None:
        accounts.reinstate(user_id=self.seller.pk, by=self.staff, reason="Cleared.")
        self.suspended = False
        now = clock.now()
        for pk, m in self.model.items():
            if m.status == "delivered" and m.completes_at is None:
                delivered_at = Order.objects.get(pk=pk).delivered_at
                assert delivered_at is not None
                m.completes_at = max(delivered_at + self.window, now)

    @precondition(lambda self: bool(self.model))
    @rule(pick=st.integers(0, 100))
    def buyer_cancels(self, pick: int) -> None:
        pk = list(self.model)[pick % len(self.model)]
        m = self.model[pk]
        buyer = self.buyers[m.buyer]
        order = Order.objects.select_related("seller", "buyer", "policy_version").get(pk=pk)
        judged = verdict(order, "cancel", by=buyer, now=clock.now())
        offered = {v.action for v in allowed_actions(order, user=buyer, now=clock.now())}
        overdue = m.cancellable_at is not None and clock.now() >= m.cancellable_at
        may = m.status == "paid" and (self.suspended or overdue)
        assert judged.allowed == may
        assert "cancel" in offered  # the buyer always sees the cancel, with its reason when refused
        _, refusal = _attempt(lambda: actions.cancel(order_id=pk, by=buyer))
        assert (refusal is None) == may, refusal
        if refusal is not None:
            assert refusal.code == judged.code
            return
        m.status = "cancelled"

    @precondition(lambda self: any(m.status == "delivered" for m in self.model.values()))
    @rule(pick=st.integers(0, 100))
    def buyer_confirms(self, pick: int) -> None:
        pk = self._pick("delivered", pick)
        actions.confirm(order_id=pk, by=self.buyers[self.model[pk].buyer])
        self.model[pk].status = "completed"

    @rule(hours=st.sampled_from([0, 1, 24, 71, 73, 200]))
    def time_passes(self, hours: int) -> None:
        target = deadlines.advance(seconds=hours * 3600).now
        for m in self.model.values():
            if m.status == "delivered" and m.completes_at is not None and m.completes_at <= target:
                m.status = "completed"
            if m.status == "paid" and m.cancels_at is not None and m.cancels_at <= target:
                m.status = "cancelled"

    def _pick(self, status: str, pick: int) -> int:
        fitting = [pk for pk, m in self.model.items() if m.status == status]
        return fitting[pick % len(fitting)]

    @invariant()
    def orders_are_where_the_model_says(self) -> None:
        if not hasattr(self, "model"):
            return
        actual = dict(Order.objects.filter(seller=self.seller).values_list("pk", "status"))
        assert actual == {pk: m.status for pk, m in self.model.items()}

    @invariant()
    def the_seller_holds_exactly_what_completed(self) -> None:
        if not hasattr(self, "model"):
            return
        completed = sum(m.price for m in self.model.values() if m.status == "completed")
        assert wallet_balance(self.seller, "USD").amount == completed
        assert run_checks().problems == []


def test_random_suspensions_keep_every_consequence(db):
    run_state_machine_as_test(Suspensions, settings=settings(max_examples=10, stateful_step_count=25))
