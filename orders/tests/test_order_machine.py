"""A random marketplace (T2 in the reliability notes, for the escrow core): deposits, listings,
orders, deliveries, confirmations, cancellations, messages and clock moves by four people in
any order. After every step the books add up, no wallet is negative, every escrow holds
exactly what its order's state says, and the money is where a simple model says it is.
Every action is checked against its own verdict: allowed exactly when it succeeds, and a
refusal is a DomainError with the verdict's code that writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from accounts.models import User
from catalog import actions as catalog
from catalog.models import Listing
from core import clock
from core.errors import DomainError
from core.money import Money
from ledger.models import Account
from ledger.queries import balance_of
from ops import deadlines
from ops.ledger_check import run_checks
from orders import actions
from orders.models import Order
from orders.verdicts import allowed_actions, verdict
from payments import actions as payments
from policy import rules
from policy.active import configured_policy
from testsupport.state import snapshot

CURRENCIES = ("USD", "EUR")
PEOPLE = 4  # the last one is staff
STAFF = PEOPLE - 1
PRICE = st.one_of(st.integers(1, 700), st.integers(701, 30_000))
BODIES = ("Sent, check it.", "Got it, thanks!", "mail me: x at gmail dot com", "Any news?")


@dataclass
class ModelOrder:
    buyer: int
    seller: int
    price: int
    fee: int
    currency: str
    status: str = "paid"
    delivered_at: datetime | None = None
    placed_at: datetime | None = None


# Which order an action is tried on: one in the state the action needs when there is one
# (`anyone_tries` covers every other combination).
PICK = st.integers(0, 10**6)


def _attempt[T](call: Callable[[], T]) -> tuple[T | None, DomainError | None]:
    """The result of `call`, or the refusal it raised (any other exception propagates)."""
    try:
        return call(), None
    except DomainError as refusal:
        return None, refusal


class Marketplace(RuleBasedStateMachine):
    listings = Bundle("listings")

    def __init__(self) -> None:
        super().__init__()
        # Each example runs in a savepoint of the test's transaction and is rolled back in
        # teardown(), so examples never see each other's rows.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.policy = configured_policy()
        self.people = [
            User.objects.create_user(username=f"p{i}", email=f"p{i}@example.org", password="x" * 12)
            for i in range(PEOPLE)
        ]
        self.people[STAFF].is_staff = True
        self.people[STAFF].save(update_fields=["is_staff"])
        self.wallets: dict[tuple[int, str], int] = {}
        self.platform: dict[str, int] = {}
        self.model: dict[int, ModelOrder] = {}
        self.listing_sellers: dict[int, int] = {}

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # Rules --------------------------------------------------------------------------------

    @initialize(amount=st.integers(20_000, 300_000))
    def open_wallets(self, amount: int) -> None:
        """Everyone but the staff member starts with the same money in each currency."""
        for who in range(STAFF):
            for currency in CURRENCIES:
                self.deposit(who, amount, currency)

    @rule(who=st.integers(0, PEOPLE - 1), amount=st.integers(1, 60_000), currency=st.sampled_from(CURRENCIES))
    def deposit(self, who: int, amount: int, currency: str) -> None:
        payments.deposit(by=self.people[who], amount=Money(amount, currency))
        self.wallets[who, currency] = self.wallets.get((who, currency), 0) + amount

    @rule(
        target=listings,
        buyer=st.integers(0, PEOPLE - 1),
        seller=st.integers(0, PEOPLE - 1),
        price=PRICE,
        currency=st.sampled_from(CURRENCIES),
        kind=st.sampled_from(["product", "service"]),
    )
    def list_and_buy(self, buyer: int, seller: int, price: int, currency: str, kind: str) -> int:
        """A seller lists something and someone buys it."""
        listing = catalog.create_listing(
            by=self.people[seller], title="Item", description="", kind=kind, price=Money(price, currency)
        )
        self.listing_sellers[listing.pk] = seller
        self.buy(buyer, listing.pk)
        return listing.pk

    @rule(buyer=st.integers(0, PEOPLE - 1), listing_id=listings)
    def buy(self, buyer: int, listing_id: int) -> None:
        """Buys a listing (again: a listing can be bought many times)."""
        listing = Listing.objects.get(pk=listing_id)
        fee = rules.buyer_fee(self.policy, listing.price).amount
        total = listing.price_amount + fee
        seller = self.listing_sellers[listing_id]
        expected = (
            "own_listing"
            if seller == buyer
            else "insufficient_funds"
            if self.wallets.get((buyer, listing.currency), 0) < total
            else None
        )
        before = snapshot()
        order, refusal = _attempt(lambda: actions.place_order(by=self.people[buyer], listing_id=listing_id))
        if refusal is not None:
            assert refusal.code == expected
            assert snapshot() == before
            return
        assert expected is None and order is not None
        self.wallets[buyer, listing.currency] -= total
        self.model[order.pk] = ModelOrder(
            buyer, seller, listing.price_amount, fee, listing.currency, placed_at=clock.now()
        )

    @precondition(lambda self: self.model)
    @rule(pick=PICK)
    def deliver(self, pick: int) -> None:
        """The seller delivers an order waiting for it."""
        order_id = self._choose(pick, "paid")
        m = self.model[order_id]
        self._deliver(order_id, m.seller)

    @precondition(lambda self: self.model)
    @rule(pick=PICK)
    def confirm(self, pick: int) -> None:
        """The buyer confirms a delivered order."""
        order_id = self._choose(pick, "delivered")
        self._confirm(order_id, self.model[order_id].buyer)

    @precondition(lambda self: self.model)
    @rule(pick=PICK, by_staff=st.booleans())
    def cancel(self, pick: int, by_staff: bool) -> None:
        """The seller, or the administration, cancels an undelivered order."""
        order_id = self._choose(pick, "paid")
        self._cancel(order_id, STAFF if by_staff else self.model[order_id].seller)

    @precondition(lambda self: self.model)
    @rule(pick=PICK, by_seller=st.booleans(), body=st.sampled_from(BODIES))
    def message(self, pick: int, by_seller: bool, body: str) -> None:
        order_id = self._choose(pick, None)
        m = self.model[order_id]
        self._message(order_id, m.seller if by_seller else m.buyer, body)

    @precondition(lambda self: self.model)
    @rule(
        action=st.sampled_from(["deliver", "confirm", "cancel", "message"]),
        pick=PICK,
        who=st.integers(0, PEOPLE - 1),
    )
    def anyone_tries(self, action: str, pick: int, who: int) -> None:
        """Anybody tries anything on any order: the wrong party, the wrong state, staff."""
        order_id = list(self.model)[pick % len(self.model)]
        if action == "message":
            self._message(order_id, who, BODIES[pick % len(BODIES)])
        else:
            getattr(self, f"_{action}")(order_id, who)

    @rule(
        hours=st.one_of(st.integers(0, 100), st.sampled_from([71, 72, 100])),
        minutes=st.sampled_from([0, 0, 1, 59]),
    )
    def advance_clock(self, hours: int, minutes: int) -> None:
        target = deadlines.advance(seconds=hours * 3600 + minutes * 60).now
        for m in self.model.values():
            ends = m.delivered_at + self.policy.guarantee_window if m.delivered_at else None
            if m.status == "delivered" and ends is not None and ends <= target:
                self._pay_out(m)
            cancels = self._due(m, self.policy.auto_cancel_after)
            if m.status == "paid" and cancels is not None and cancels <= target:
                self._refund(m)  # never delivered: `auto_cancel_after` cancelled it

    # Helpers ------------------------------------------------------------------------------

    def _deliver(self, order_id: int, who: int) -> None:
        m = self.model[order_id]
        if self._act("deliver", order_id, who, expect=who == m.seller and m.status == "paid"):
            m.status, m.delivered_at = "delivered", clock.now()

    def _confirm(self, order_id: int, who: int) -> None:
        m = self.model[order_id]
        if self._act("confirm", order_id, who, expect=who == m.buyer and m.status == "delivered"):
            self._pay_out(m)

    def _cancel(self, order_id: int, who: int) -> None:
        m = self.model[order_id]
        overdue = self._due(m, self.policy.delivery_due)
        may = (
            who == m.seller
            or (who == STAFF and who != m.buyer)
            or (who == m.buyer and overdue is not None and clock.now() >= overdue)
        )
        if self._act("cancel", order_id, who, expect=may and m.status == "paid"):
            self._refund(m)

    @staticmethod
    def _due(m: ModelOrder, after: timedelta | None) -> datetime | None:
        return None if after is None or m.placed_at is None else m.placed_at + after

    def _refund(self, m: ModelOrder) -> None:
        m.status = "cancelled"
        self.wallets[m.buyer, m.currency] += m.price + m.fee

    def _message(self, order_id: int, who: int, body: str) -> None:
        m = self.model[order_id]
        self._act("message", order_id, who, expect=who in (m.buyer, m.seller, STAFF), body=body)

    def _choose(self, pick: int, status: str | None) -> int:
        """An order in `status` when there is one, otherwise any order."""
        fitting = [pk for pk, m in self.model.items() if m.status == status] or list(self.model)
        return fitting[pick % len(fitting)]

    def _pay_out(self, m: ModelOrder) -> None:
        m.status = "completed"
        self.wallets[m.seller, m.currency] = self.wallets.get((m.seller, m.currency), 0) + m.price
        self.platform[m.currency] = self.platform.get(m.currency, 0) + m.fee

    def _act(self, action: str, order_id: int, who: int, *, expect: bool, body: str = "") -> bool:
        """Runs `action` as person `who` and checks it against the verdict the UI would show
        and against the model's expectation. True when it went through."""
        person = self.people[who]
        order = Order.objects.select_related("policy_version").get(pk=order_id)
        now = clock.now()
        judged = verdict(order, action, by=person, now=now)
        shown = {v.action: v for v in allowed_actions(order, user=person, now=now)}
        if action in shown:
            assert shown[action] == judged, (shown[action], judged)
        elif action != "message":
            assert not judged.allowed, f"{action} allowed but not offered"
        assert judged.allowed == expect, (action, who, order.status, judged)
        before = snapshot()
        if action == "message":
            _, refusal = _attempt(lambda: actions.post_message(order_id=order_id, by=person, body=body))
        else:
            _, refusal = _attempt(lambda: getattr(actions, action)(order_id=order_id, by=person))
        if refusal is not None:
            assert not judged.allowed, f"{action} refused although its verdict allowed it: {refusal}"
            assert refusal.code == judged.code
            assert snapshot() == before, f"refused {action} wrote something"
            return False
        assert judged.allowed, f"{action} went through although its verdict refused it"
        return True

    # Invariants ---------------------------------------------------------------------------

    @invariant()
    def books_add_up(self) -> None:
        assert run_checks().problems == []

    @invariant()
    def money_is_where_the_model_says(self) -> None:
        wallets = {
            (self.people.index(a.user), a.currency): a.balance
            for a in Account.objects.filter(kind=Account.Kind.WALLET).select_related("user")
        }
        assert all(balance >= 0 for balance in wallets.values())
        assert {k: v for k, v in wallets.items() if v} == {k: v for k, v in self.wallets.items() if v}
        platform = {a.currency: balance_of(a) for a in Account.objects.filter(kind=Account.Kind.PLATFORM_FEES)}
        assert {k: v for k, v in platform.items() if v} == {k: v for k, v in self.platform.items() if v}

    @invariant()
    def every_escrow_matches_its_orders_state(self) -> None:
        escrows = dict(Account.objects.filter(kind=Account.Kind.ESCROW).values_list("order_id", "balance"))
        statuses = dict(Order.objects.values_list("pk", "status"))
        assert statuses == {pk: m.status for pk, m in self.model.items()}
        for pk, m in self.model.items():
            held = m.price + m.fee if m.status in Order.OPEN_STATUSES else 0
            assert escrows[pk] == held, (pk, m.status, escrows[pk])


def test_random_marketplace_sessions_keep_the_money_exact(db):
    run_state_machine_as_test(Marketplace, settings=settings(max_examples=12, stateful_step_count=30))


def test_the_machine_itself_follows_an_order_to_each_end(db):
    """A fixed walk through the same rules and checks, so every ending is exercised on every
    run, whatever the random sessions happen to reach."""
    machine = Marketplace()
    try:
        machine.open_wallets(amount=100_000)
        for price in (10_00, 20_00, 30_00):
            machine.list_and_buy(buyer=0, seller=1, price=price, currency="USD", kind="product")
        first, second, third = machine.model
        machine._deliver(first, 1)
        machine._confirm(first, 0)  # completed by the buyer
        machine._cancel(second, STAFF)  # cancelled by the administration
        machine._deliver(third, 1)
        machine._confirm(third, 2)  # a stranger is refused
        machine._message(third, 2, "let me in")  # and cannot talk either
        machine.advance_clock(hours=72, minutes=0)  # completed by the guarantee window
        machine.books_add_up()
        machine.money_is_where_the_model_says()
        machine.every_escrow_matches_its_orders_state()
        assert [m.status for m in machine.model.values()] == ["completed", "cancelled", "completed"]
        assert machine.wallets[1, "USD"] == 100_000 + 10_00 + 30_00
        assert machine.platform["USD"] == 50 + 1_50  # the fees of the two completed orders
    finally:
        machine.teardown()
