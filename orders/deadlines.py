"""What the order's deadlines do when they fall due, and how they are described to people."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core import locale
from core.actors import SystemActor
from core.deadlines import handles
from core.errors import NotAllowedInState
from core.models import Deadline
from notifications.actions import notify
from orders import actions
from orders.models import Order
from policy import rules


@handles(actions.AUTO_COMPLETE)
def auto_complete(deadline: Deadline) -> str:
    # The worker runs this in the deadline's own savepoint: the action needs no second one.
    order = actions.auto_complete_in_savepoint(order_id=deadline.subject_id, by=SystemActor(rule="guarantee_window"))
    return f"order {order.public_id} completed"


@handles(actions.GUARANTEE_REMINDER)
def guarantee_reminder(deadline: Deadline) -> str:
    order = Order.objects.select_related("buyer", "seller", "policy_version").get(pk=deadline.subject_id)
    if order.status != Order.Status.DELIVERED or order.delivered_at is None:
        raise NotAllowedInState(_("The order is no longer waiting for the buyer."))
    ends = rules.guarantee_ends_at(order.policy, delivered_at=order.delivered_at)
    notify(
        users=[order.buyer],
        code="order.guarantee_ending",
        link=actions.link(order),
        about=order,
        title=lambda: (
            _("Order %(public_id)s: confirm or dispute before %(ends)s")
            % {"public_id": order.public_id, "ends": locale.when(ends)}
        ),
        body=lambda: _(
            "If you have everything, confirm delivery. If not, open a dispute now: "
            "when the guarantee window ends the order completes and the seller is paid."
        ),
    )
    return "buyer reminded"


@handles(actions.AUTO_CANCEL)
def auto_cancel(deadline: Deadline) -> str:
    order = actions.auto_cancel(order_id=deadline.subject_id, by=SystemActor(rule="auto_cancel_after"))
    return f"order {order.public_id} cancelled"


@handles(actions.DELIVERY_DUE)
def delivery_due(deadline: Deadline) -> str:
    """The seller missed the delivery deadline: the buyer may now cancel for a full refund."""
    order = Order.objects.select_related("buyer", "seller", "policy_version").get(pk=deadline.subject_id)
    if order.status != Order.Status.PAID:
        raise NotAllowedInState(_("The order is no longer waiting for delivery."))
    notify(
        users=[order.buyer, order.seller],
        code="order.delivery_overdue",
        link=actions.link(order),
        about=order,
        title=lambda: _("Order %(public_id)s was not delivered in time") % {"public_id": order.public_id},
        body=lambda: _("%(username)s may now cancel it for a full refund.") % {"username": order.buyer.username},
    )
    return "delivery overdue; the buyer may cancel"


@handles(actions.DELIVERY_REMINDER)
def delivery_reminder(deadline: Deadline) -> str:
    order = Order.objects.select_related("buyer", "seller", "policy_version").get(pk=deadline.subject_id)
    due = rules.delivery_due_at(order.policy, placed_at=order.placed_at)
    if order.status != Order.Status.PAID or due is None:
        raise NotAllowedInState(_("The order is no longer waiting for delivery."))
    notify(
        users=[order.seller],
        code="order.delivery_due_soon",
        link=actions.link(order),
        about=order,
        title=lambda: (
            _("Order %(public_id)s: deliver before %(due)s") % {"public_id": order.public_id, "due": locale.when(due)}
        ),
        body=lambda: _("After that the buyer may cancel the order for a full refund."),
    )
    return "seller reminded"


def consequence(deadline: Deadline, order: Order) -> str | None:
    """What happens by itself at this deadline; None for deadlines people do not need to see."""
    if deadline.kind == actions.AUTO_COMPLETE:
        payout = rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=0).seller_payout
        return _("the order completes and %(username)s is paid %(payout)s") % {
            "username": order.seller.username,
            "payout": payout,
        }
    if deadline.kind == actions.DELIVERY_DUE:
        return _("%(username)s may cancel the order for a full refund") % {"username": order.buyer.username}
    if deadline.kind == actions.AUTO_CANCEL:
        return _("the order is cancelled and %(total)s goes back to %(username)s") % {
            "total": order.total,
            "username": order.buyer.username,
        }
    return None
