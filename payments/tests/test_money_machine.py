"""Money in and out, at random (PRODUCT.md §11 to §13): deposits, orders, deliveries,
completions under warranty holds, warranty disputes, cancellations (by the seller, by the
buyer once overdue, by themselves), withdrawals paid and failed, chargebacks and clock moves
in any order. After every step every ledger invariant holds; a withdrawal succeeds exactly
when the wallet's own money covers it and its owner is neither in debt nor suspended, so held
or frozen proceeds can never leave; a refusal moves nothing; and the money each user owns
matches a simple model."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
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

from accounts.models import User
from catalog import actions as catalog
from core import clock
from core.errors import DomainError
from core.money import Money
from disputes import actions as disputes
from disputes import opening
from ledger.models import Account, Hold
from ledger.queries import balance_of, in_debt
from ops import deadlines as engine
from ops.ledger_check import run_checks
from orders import actions as orders
from orders.models import Order
from orders.verdicts import verdict
from payments import actions as payments
from payments.models import Deposit, Withdrawal
from payments.providers import SandboxProvider
from testsupport.state import snapshot

PEOPLE = 3
PICK = st.integers(0, 10**6)


def _attempt(call):
    try:
        return call(), None
    except DomainError as refusal:
        return None, refusal


class MoneyOut(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.people = [
            User.objects.create_user(username=f"m{i}", email=f"m{i}@example.org", password="x" * 12)
            for i in range(PEOPLE)
        ]
        # What each user owns in USD, all accounts together (available + held + pending
        # withdrawals - debt): it changes only by deposits, orders, refunds, payouts,
        # paid withdrawals and chargebacks.
        self.owned = [0] * PEOPLE
        self.fail_next = False

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # Helpers ------------------------------------------------------------------------------

    def _account(self, who: int, kind: str) -> int:
        account = Account.objects.filter(user=self.people[who], kind=kind, currency="USD").first()
        return 0 if account is None else balance_of(account)

    def _orders(self, status: str) -> list[Order]:
        return list(Order.objects.filter(status=status).select_related("buyer", "seller", "policy_version"))

    def _pick(self, items: list, pick: int):  # type: ignore[no-untyped-def]
        return items[pick % len(items)] if items else None

    def _settle_pending_withdrawals(self) -> None:
        """The provider's answers to every pending withdrawal, oldest first."""
        for w in Withdrawal.objects.filter(status="pending").order_by("id"):
            owner = self.people.index(w.user)
            payments.submit_withdrawal(withdrawal_id=w.pk)
            w.refresh_from_db()
            if self.fail_next:
                assert w.status == "failed"
                self.fail_next = False
            else:
                assert w.status == "paid"
                self.owned[owner] -= w.amount

    # Rules --------------------------------------------------------------------------------

    @initialize()
    def start(self) -> None:
        for who in range(PEOPLE):
            self.deposit(who, 50_000)

    @rule(who=st.integers(0, PEOPLE - 1), amount=st.integers(1, 30_000))
    def deposit(self, who: int, amount: int) -> None:
        payments.deposit(by=self.people[who], amount=Money(amount, "USD"))
        self.owned[who] += amount

    @rule(
        buyer=st.integers(0, PEOPLE - 1),
        seller=st.integers(0, PEOPLE - 1),
        price=st.integers(1, 20_000),
        warranty_days=st.sampled_from([None, None, 1, 3]),
    )
    def buy(self, buyer: int, seller: int, price: int, warranty_days: int | None) -> None:
        listing = catalog.create_listing(
            by=self.people[seller],
            title="Account",
            description="",
            kind="product",
            price=Money(price, "USD"),
            warranty=timedelta(days=warranty_days) if warranty_days else None,
        )
        before = snapshot()
        order, refusal = _attempt(lambda: orders.place_order(by=self.people[buyer], listing_id=listing.pk))
        if refusal is not None:
            assert refusal.code in ("own_listing", "insufficient_funds", "in_debt"), refusal.code
            if refusal.code == "in_debt":
                assert in_debt(self.people[buyer])
            assert snapshot() == before
            return
        assert buyer != seller and not in_debt(self.people[buyer])
        self.owned[buyer] -= order.total.amount

    @precondition(lambda self: Order.objects.filter(status="paid").exists())
    @rule(pick=PICK)
    def deliver(self, pick: int) -> None:
        order = self._pick(self._orders("paid"), pick)
        orders.deliver(order_id=order.pk, by=order.seller)

    @precondition(lambda self: Order.objects.filter(status="delivered").exists())
    @rule(pick=PICK)
    def confirm(self, pick: int) -> None:
        order = self._pick(self._orders("delivered"), pick)
        orders.confirm(order_id=order.pk, by=order.buyer)
        self.owned[self.people.index(order.seller)] += order.price_amount

    @precondition(lambda self: Order.objects.filter(status="paid").exists())
    @rule(pick=PICK, by_buyer=st.booleans())
    def cancel(self, pick: int, by_buyer: bool) -> None:
        order = self._pick(self._orders("paid"), pick)
        who = order.buyer if by_buyer else order.seller
        judged = verdict(order, "cancel", by=who, now=clock.now())
        _, refusal = _attempt(lambda: orders.cancel(order_id=order.pk, by=who))
        assert (refusal is None) == judged.allowed
        if refusal is None:
            self.owned[self.people.index(order.buyer)] += order.total.amount

    @precondition(lambda self: Order.objects.filter(status="completed", hold__status="held").exists())
    @rule(pick=PICK, refund=st.booleans())
    def warranty_dispute(self, pick: int, refund: bool) -> None:
        """During the warranty the buyer disputes; the seller refunds in full, or the buyer
        withdraws the dispute and the seller is paid out."""
        order = self._pick(list(self._orders("completed")), pick)
        judged = verdict(order, "open_dispute", by=order.buyer, now=clock.now())
        dispute, refusal = _attempt(
            lambda: opening.open_dispute(
                order_id=order.pk,
                by=order.buyer,
                reason="account_recovered",
                description="The seller took the account back.",
                requested_kind="full_refund",
                accept_terms=True,
            )
        )
        assert (refusal is None) == judged.allowed, (judged, refusal)
        if dispute is None:
            return
        seller, buyer = self.people.index(order.seller), self.people.index(order.buyer)
        assert Hold.objects.get(order=order).status == "frozen"
        # Frozen money cannot be withdrawn: it is not in the wallet.
        self.withdraw(seller, self._account(seller, Account.Kind.WALLET) + 1, fail=False)
        if refund:
            offer = disputes.propose(dispute_id=dispute.pk, by=order.seller, kind="full_refund", note="Sorry")
            disputes.accept_proposal(proposal_id=offer.pk, by=order.buyer)
            self.owned[seller] -= order.price_amount
            self.owned[buyer] += order.total.amount
        else:
            disputes.propose(dispute_id=dispute.pk, by=order.buyer, kind="withdraw", note="Found it")
        assert Hold.objects.get(order=order).status == "settled"

    @rule(who=st.integers(0, PEOPLE - 1), amount=st.integers(-5, 60_000), fail=st.booleans())
    def withdraw(self, who: int, amount: int, fail: bool) -> None:
        user = self.people[who]
        available = self._account(who, Account.Kind.WALLET)
        held = self._account(who, Account.Kind.HELD)
        may = 0 < amount <= available and not in_debt(user) and user.is_active
        if fail and may and not self.fail_next:
            SandboxProvider.fail_next_payout()
            self.fail_next = True
        before = snapshot()
        withdrawal, refusal = _attempt(lambda: payments.request_withdrawal(by=user, amount=Money(amount, "USD")))
        assert (refusal is None) == may, (amount, available, held, refusal)
        if refusal is not None:
            assert refusal.code in ("insufficient_funds", "withdrawals_blocked", "validation_error")
            assert snapshot() == before
            return
        assert self._account(who, Account.Kind.HELD) == held  # held money never leaves this way
        self._settle_pending_withdrawals()

    @precondition(lambda self: Deposit.objects.filter(status="settled").exists())
    @rule(pick=PICK)
    def chargeback(self, pick: int) -> None:
        deposit = self._pick(list(Deposit.objects.filter(status="settled").select_related("user")), pick)
        payments.chargeback(deposit_id=deposit.pk, by=self.people[0])
        self.owned[self.people.index(deposit.user)] -= deposit.amount

    @rule(hours=st.sampled_from([1, 12, 24, 72, 73, 24 * 7]))
    def advance_clock(self, hours: int) -> None:
        target = clock.now() + timedelta(hours=hours)
        about_to = list(
            Order.objects.filter(status__in=["paid", "delivered"]).select_related("buyer", "seller", "policy_version")
        )
        engine.advance(seconds=hours * 3600)
        for order in about_to:
            order.refresh_from_db()
            if order.status == "completed":
                self.owned[self.people.index(order.seller)] += order.price_amount
            elif order.status == "cancelled":
                self.owned[self.people.index(order.buyer)] += order.total.amount
        assert clock.now() == target

    # Invariants ---------------------------------------------------------------------------

    @invariant()
    def books_add_up(self) -> None:
        assert run_checks().problems == []

    @invariant()
    def each_user_owns_what_the_model_says(self) -> None:
        for who in range(PEOPLE):
            owned = sum(
                self._account(who, kind)
                for kind in (Account.Kind.WALLET, Account.Kind.HELD, Account.Kind.WITHDRAWING, Account.Kind.RECEIVABLE)
            )
            assert owned == self.owned[who], (who, owned, self.owned[who])

    @invariant()
    def no_pending_withdrawal_is_left_unanswered(self) -> None:
        assert not Withdrawal.objects.filter(status="pending").exists()


def test_random_money_in_and_out_keeps_every_invariant(db):
    run_state_machine_as_test(MoneyOut, settings=settings(max_examples=12, stateful_step_count=30, deadline=None))
