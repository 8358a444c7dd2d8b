"""Reads of orders, always scoped to who is asking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core import timeline
from core.errors import NotFound
from core.lookups import by_unique_key
from core.models import Deadline
from core.money import Money
from core.transitions import Verdict
from ledger.models import Hold
from orders import deadlines as order_deadlines
from orders.models import Order
from orders.verdicts import allowed_actions, can_see, roles_of, warranty_ends_at
from policy import rules
from policy.rules import Split


@dataclass(frozen=True, slots=True)
class DeadlineView:
    name: str
    at: datetime
    party: str | None
    consequence: str


@dataclass(frozen=True, slots=True)
class OrderView:
    """An order as every reader shows it, for one viewer at one instant."""

    order: Order
    now: datetime
    roles: frozenset[str]
    allowed_actions: tuple[Verdict, ...]
    verdicts: Mapping[str, Verdict]
    deadlines: tuple[DeadlineView, ...]
    release: Split  # what completing the order pays, for a confirmation to state


def order_views(orders: Sequence[Order], *, viewer: User, now: datetime) -> list[OrderView]:
    """The read model of a page of orders: their deadlines in one query, judged at one instant."""
    deadlines = deadlines_of_many(orders)
    return [_view(o, viewer=viewer, now=now, deadlines=deadlines[o.pk]) for o in orders]


def order_view(order: Order, *, viewer: User, now: datetime) -> OrderView:
    return order_views([order], viewer=viewer, now=now)[0]


def _view(order: Order, *, viewer: User, now: datetime, deadlines: list[DeadlineView]) -> OrderView:
    verdicts = allowed_actions(order, user=viewer, now=now)
    return OrderView(
        order=order,
        now=now,
        roles=roles_of(order, viewer),
        allowed_actions=tuple(verdicts),
        verdicts={v.action: v for v in verdicts},
        deadlines=tuple(deadlines),
        release=rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=0),
    )


def orders_for(user: User, *, role: str | None = None, status: str | None = None) -> QuerySet[Order]:
    """The user's orders (as buyer, seller or both); staff see every order."""
    qs = Order.objects.select_related("buyer", "seller", "policy_version")
    if role == "buyer":
        qs = qs.filter(buyer=user)
    elif role == "seller":
        qs = qs.filter(seller=user)
    elif not user.is_staff:
        qs = qs.filter(Q(buyer=user) | Q(seller=user))
    if status:
        qs = qs.filter(status=status)
    return qs


def get_order_for(user: User, public_id: str) -> Order:
    """The order if the user is its buyer or seller or staff; otherwise "not found"."""
    order = by_unique_key(Order.objects.select_related("buyer", "seller", "policy_version").filter(public_id=public_id))
    if order is None or not can_see(order, user):
        raise NotFound(_("No such order."))
    return order


def deadlines_of(order: Order) -> list[DeadlineView]:
    """The order's pending deadlines: when, who must act, and what happens otherwise."""
    return deadlines_of_many([order])[order.pk]


def deadlines_of_many(orders: Sequence[Order]) -> dict[int, list[DeadlineView]]:
    """`deadlines_of` for a whole page of orders, in one query."""
    by_id = {order.pk: order for order in orders}
    views: dict[int, list[DeadlineView]] = {pk: [] for pk in by_id}
    rows = Deadline.objects.filter(
        subject_type="order", subject_id__in=list(by_id), status=Deadline.Status.PENDING
    ).order_by("due_at", "id")
    for row in rows:
        text = order_deadlines.consequence(row, by_id[row.subject_id])
        if text is not None:
            views[row.subject_id].append(
                DeadlineView(name=row.kind.split(".", 1)[1], at=row.due_at, party=row.party or None, consequence=text)
            )
    completed = [pk for pk, o in by_id.items() if o.status in (Order.Status.COMPLETED, Order.Status.DISPUTED)]
    if completed:
        for hold in Hold.objects.filter(order_id__in=completed, status=Hold.Status.HELD):
            views[hold.order_id] += _hold_deadlines(by_id[hold.order_id], hold)
            views[hold.order_id].sort(key=lambda d: d.at)
    return views


def _hold_deadlines(order: Order, hold: Hold) -> list[DeadlineView]:
    """A completed order's warranty end and the release of its held proceeds."""
    found = []
    ends = warranty_ends_at(order)
    if ends is not None and order.policy.warranty_reasons:
        reasons = ", ".join(timeline.word("reason", r) for r in order.policy.warranty_reasons)
        found.append(
            DeadlineView(
                name="warranty_ends",
                at=ends,
                party="buyer",
                consequence=_("the warranty ends: no more disputes for %(reasons)s") % {"reasons": reasons},
            )
        )
    found.append(
        DeadlineView(
            name="proceeds_released",
            at=hold.release_at,
            party=None,
            consequence=_("the proceeds of %(amount)s are released to %(seller)s: paid out, no refund after that")
            % {"amount": Money(hold.amount, hold.currency), "seller": order.seller.username},
        )
    )
    return found
