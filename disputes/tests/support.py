"""What the dispute tests share: the presets, the money as the ledger shows it, and the steps
that bring a case to a given state through the real actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from accounts.models import User
from core import clock
from core.models import AuditEvent, Deadline
from disputes import actions
from disputes.models import Dispute, InfoRequest
from ledger import queries as ledger
from ledger.models import Account, Entry, Transaction
from notifications.models import Notification
from orders.models import Order

PRESETS = ("standard", "igitems", "difmark")
# How a 100.00 USD order (fee 5.00) ends when the seller is paid in full, or the buyer refunded in full.
SELLER_PAID = {
    "buyer_refund": 0,
    "fee_refund": 0,
    "seller_payout": 100_00,
    "platform_fee": 5_00,
    "order_status": "completed",
}
REFUNDED = {
    "buyer_refund": 100_00,
    "fee_refund": 5_00,
    "seller_payout": 0,
    "platform_fee": 0,
    "order_status": "refunded",
}


def presets(*names: str) -> Any:
    """Runs a test once per named preset (all three by default) through the `preset` fixture."""
    return pytest.mark.parametrize("preset", names or PRESETS, indirect=True)


def balance(user: User, currency: str = "USD") -> int:
    return ledger.wallet_balance(user, currency).amount


def platform_fees(currency: str = "USD") -> int:
    account = Account.objects.filter(key=f"platform:fees:{currency}").first()
    return ledger.balance_of(account) if account else 0


@dataclass(frozen=True)
class Books:
    """The three balances a settlement moves, to compare before and after."""

    buyer: int
    seller: int
    platform: int

    @classmethod
    def of(cls, order: Order) -> Books:
        return cls(balance(order.buyer), balance(order.seller), platform_fees(order.currency))

    def delta(self, order: Order) -> Books:
        now = Books.of(order)
        return Books(now.buyer - self.buyer, now.seller - self.seller, now.platform - self.platform)


def settlement_legs(order: Order) -> dict[str, int]:
    """The order's one settlement as the ledger wrote it: what each side received."""
    txn = Transaction.objects.get(order=order, kind=Transaction.Kind.ORDER_SETTLED)
    legs = {"buyer": 0, "seller": 0, "platform": 0, "escrow": 0}
    for entry in Entry.objects.filter(transaction=txn).select_related("account"):
        account = entry.account
        if account.kind == Account.Kind.ESCROW:
            legs["escrow"] += entry.amount
        elif account.kind == Account.Kind.PLATFORM_FEES:
            legs["platform"] += entry.amount
        elif account.user_id == order.buyer_id:
            legs["buyer"] += entry.amount
        elif account.user_id == order.seller_id:
            legs["seller"] += entry.amount
    return legs


def settlement_amounts(dispute: Dispute) -> dict[str, int]:
    assert dispute.settlement is not None
    return {name: money["amount"] for name, money in dispute.settlement.items()}


def assert_settled(
    dispute: Dispute,
    before: Books,
    *,
    buyer_refund: int,
    fee_refund: int,
    seller_payout: int,
    platform_fee: int,
    order_status: str,
) -> None:
    """The dispute is resolved and the money moved exactly so: its settlement, the ledger's one
    settlement transaction, and the three balances all agree to the cent."""
    dispute.refresh_from_db()
    order = Order.objects.select_related("buyer", "seller").get(pk=dispute.order_id)
    assert dispute.status == Dispute.Status.RESOLVED
    assert order.status == order_status
    expected = {
        "buyer_refund": buyer_refund,
        "fee_refund": fee_refund,
        "seller_payout": seller_payout,
        "platform_fee": platform_fee,
    }
    assert settlement_amounts(dispute) == expected
    assert buyer_refund + fee_refund + seller_payout + platform_fee == order.total.amount
    assert Transaction.objects.filter(order=order, kind=Transaction.Kind.ORDER_SETTLED).count() == 1
    assert settlement_legs(order) == {
        "buyer": buyer_refund + fee_refund,
        "seller": seller_payout,
        "platform": platform_fee,
        "escrow": -order.total.amount,
    }
    assert before.delta(order) == Books(buyer_refund + fee_refund, seller_payout, platform_fee)
    assert ledger.escrow_balance(order.pk) == 0


def event(dispute: Dispute, code: str) -> AuditEvent:
    """The one audit event `code` in the dispute's case."""
    return AuditEvent.objects.get(case_id=dispute.order_id, code=code)


def codes(dispute: Dispute) -> list[str]:
    return list(AuditEvent.objects.filter(case_id=dispute.order_id).order_by("id").values_list("code", flat=True))


def notified(user: User, code: str) -> int:
    return Notification.objects.filter(user=user, code=code).count()


def pending_kinds(dispute: Dispute) -> set[str]:
    return set(
        Deadline.objects.filter(case_id=dispute.order_id, status=Deadline.Status.PENDING).values_list("kind", flat=True)
    )


def refresh(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_related("order__buyer", "order__seller", "order__policy_version").get(pk=dispute.pk)


def since_opening(dispute: Dispute, **delta: float) -> int:
    """Seconds from now until `delta` after the dispute was opened (for `tclock.advance`)."""
    return int((dispute.opened_at + timedelta(**delta) - clock.now()).total_seconds())


def decide_now(**terms: Any) -> Dispute:
    """`mediation.decide`, then, where the policy has an appeal window, both parties accept the
    decision, so it takes effect at once (as it does without a window)."""
    from disputes import appeals, mediation

    dispute = mediation.decide(**terms)
    if dispute.status == Dispute.Status.DECIDED:
        appeals.accept_decision(dispute_id=dispute.pk, by=dispute.order.buyer)
        dispute = appeals.accept_decision(dispute_id=dispute.pk, by=dispute.order.seller)
    return dispute


def bring_to_administration(dispute: Dispute, tclock: Any) -> Dispute:
    """Escalates the way the dispute's preset allows: a silent seller's timer escalates it
    (standard, difmark: 48 h); otherwise the buyer escalates once allowed (or, under difmark,
    the 72 h automatic escalation comes first)."""
    dispute = refresh(dispute)
    policy = dispute.order.policy
    silent = dispute.status == Dispute.Status.AWAITING_SELLER and policy.seller_response_due is not None
    wait = policy.seller_response_due if silent else policy.escalation_available_after
    assert wait is not None
    tclock.advance(seconds=since_opening(dispute, seconds=wait.total_seconds()))
    dispute = refresh(dispute)
    if dispute.status != Dispute.Status.ESCALATED:
        actions.escalate(dispute_id=dispute.pk, by=dispute.order.buyer)
    dispute = refresh(dispute)
    assert dispute.status == Dispute.Status.ESCALATED
    return dispute


def with_computed_staff_waiting_since(disputes: QuerySet[Dispute]) -> QuerySet[Dispute]:
    """The disputes with `computed_since`: since when each has waited for the administration,
    worked out from its questions as the staff queue did before it was stored (its escalation,
    or the latest answer or forfeit of one of its questions, whichever is latest), and
    `computed_due`, the queue's key from it. What `staff_waiting_since` must always equal."""
    returned = InfoRequest.objects.filter(dispute=OuterRef("pk"))
    answered = returned.filter(status=InfoRequest.Status.ANSWERED).order_by("-answered_at").values("answered_at")
    forfeited = returned.filter(status=InfoRequest.Status.FORFEITED).order_by("-due_at").values("due_at")
    since = F("escalated_at")
    return disputes.annotate(
        # Coalesce: on SQLite a NULL among GREATEST's arguments makes the whole result NULL.
        computed_since=Greatest(
            since, Coalesce(Subquery(answered[:1]), since), Coalesce(Subquery(forfeited[:1]), since)
        ),
        computed_due=Coalesce(F("decision_due_at"), F("computed_since")),
    )
