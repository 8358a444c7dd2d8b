"""What a suspension does to the user's open orders (PRODUCT.md §14). Called inside
`accounts.actions.suspend`/`reinstate`, which hold the user's lock; each order is locked here,
in id order, and every step is on the order's timeline.

- Undelivered orders of a suspended seller: the buyer may cancel at once for a full refund
  (`orders.verdicts`) and is told so.
- Delivered orders of a suspended seller do not pay out by themselves: the automatic completion
  is withdrawn while the suspension lasts (and refused should it fire, see `orders.verdicts`).
  A marketplace suspends a seller because something is wrong; paying them silently would move
  the buyer's money to the account under suspicion. The buyer keeps every right: confirm, or
  open a dispute within the guarantee window. Reinstating schedules the completion again, at
  the end of the guarantee window or at once if it has passed.
- A suspended buyer's orders only get the fact on their timeline: the seller may still deliver
  or cancel, and a delivered order completes when its window ends, as the buyer's own silence
  would have it."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts import events as accounts_events
from accounts.models import User
from core import audit, clock, deadlines, locale
from core.models import Deadline
from notifications.actions import notify
from orders.actions import AUTO_COMPLETE, GUARANTEE_REMINDER, link, lock_order
from orders.models import Order
from policy import rules

OPEN_UNDISPUTED = (Order.Status.PAID, Order.Status.DELIVERED)


def suspended(user: User, *, by: User) -> dict[str, int]:
    counts = {"orders_cancellable": 0, "payouts_held": 0}
    for order in _open_orders(user):
        if order.seller_id != user.pk:
            audit.record(accounts_events.ORDER_BUYER_SUSPENDED, subject=order, by=by, role="staff")
        elif order.status == Order.Status.PAID:
            counts["orders_cancellable"] += 1
            audit.record(accounts_events.ORDER_SELLER_SUSPENDED, subject=order, by=by, role="staff")
            _tell_cancellable(order)
        else:
            counts["payouts_held"] += 1
            deadlines.cancel(subject=order, kinds=[AUTO_COMPLETE, GUARANTEE_REMINDER], reason="seller suspended")
            audit.record(accounts_events.ORDER_PAYOUT_HELD, subject=order, by=by, role="staff")
            _tell_payout_held(order, ends=_guarantee_end(order))
    return counts


def _tell_cancellable(order: Order) -> None:
    notify(
        users=[order.buyer],
        code="order.seller_suspended",
        link=link(order),
        title=lambda: _("Order %(public_id)s: the seller is suspended") % {"public_id": order.public_id},
        body=lambda: (
            _(
                "The administration suspended %(username)s. You may cancel the order now and get "
                "%(total)s back in full, or wait: if the seller is reinstated, they can still "
                "deliver."
            )
            % {"username": order.seller.username, "total": order.total}
        ),
    )


def _tell_payout_held(order: Order, *, ends: datetime) -> None:
    notify(
        users=[order.buyer],
        code="order.payout_held",
        link=link(order),
        title=lambda: _("Order %(public_id)s: the seller is suspended") % {"public_id": order.public_id},
        body=lambda: (
            _(
                "The administration suspended %(username)s. The order no longer completes by "
                "itself, so the seller is not paid while the suspension lasts. If you have "
                "everything, you may confirm; if something is wrong, open a dispute before "
                "%(ends)s."
            )
            % {"username": order.seller.username, "ends": locale.when(ends)}
        ),
    )


def reinstated(user: User, *, by: User) -> dict[str, int]:
    counts = {"payouts_resumed": 0}
    now = clock.now()
    for order in _open_orders(user):
        if order.seller_id != user.pk:
            audit.record(accounts_events.ORDER_BUYER_REINSTATED, subject=order, by=by, role="staff")
        elif order.status == Order.Status.PAID:
            audit.record(accounts_events.ORDER_SELLER_REINSTATED, subject=order, by=by, role="staff")
        elif not _auto_complete_pending(order):
            counts["payouts_resumed"] += 1
            ends = _guarantee_end(order)
            due = max(ends, now)
            deadlines.schedule(kind=AUTO_COMPLETE, due_at=due, subject=order, party="buyer")
            if (remind_at := rules.reminder_at(order.policy, due_at=due, now=now)) is not None:
                deadlines.schedule(kind=GUARANTEE_REMINDER, due_at=remind_at, subject=order, party="buyer")
            audit.record(
                accounts_events.ORDER_PAYOUT_RESUMED,
                subject=order,
                by=by,
                role="staff",
                data={"completes_at": f"{due:%d %b %Y %H:%M} UTC"},
            )
    return counts


def _open_orders(user: User) -> list[Order]:
    ids = (
        Order.objects.filter(Q(seller=user) | Q(buyer=user), status__in=OPEN_UNDISPUTED)
        .order_by("id")
        .values_list("id", flat=True)
    )
    locked = [lock_order(order_id) for order_id in ids]
    return [order for order in locked if order.status in OPEN_UNDISPUTED]


def _guarantee_end(order: Order) -> datetime:
    assert order.delivered_at is not None
    return rules.guarantee_ends_at(order.policy, delivered_at=order.delivered_at)


def _auto_complete_pending(order: Order) -> bool:
    return Deadline.objects.filter(
        subject_type="order", subject_id=order.pk, kind=AUTO_COMPLETE, status=Deadline.Status.PENDING
    ).exists()
