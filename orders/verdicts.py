"""Who may do what to an order, now: the transition table plus the policy's windows.

`verdict()` is what the actions enforce and what `allowed_actions` shows, so the two cannot
disagree."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _

from accounts.models import User
from core.actors import Actor, SystemActor
from core.transitions import Verdict, check, choice_label
from orders.models import Order
from orders.states import PERSON_ACTIONS, TRANSITIONS
from policy import rules


def roles_of(order: Order, actor: Actor) -> frozenset[str]:
    """The caller's roles in this order. Staff who are a party act only as that party: nobody
    mediates their own case."""
    if isinstance(actor, SystemActor):
        return frozenset({"system"})
    roles = set()
    if actor.pk == order.buyer_id:
        roles.add("buyer")
    if actor.pk == order.seller_id:
        roles.add("seller")
    if actor.is_staff and not roles:
        roles.add("staff")
    return frozenset(roles)


def can_see(order: Order, user: User) -> bool:
    return bool(roles_of(order, user))


def verdict(order: Order, action: str, *, by: Actor, now: datetime) -> Verdict:
    roles = roles_of(order, by)
    if action == "open_dispute":
        return _open_dispute(order, roles=roles, now=now)
    if action == "cancel" and roles == {"buyer"}:
        return _buyer_cancel(order, roles=roles, now=now)
    if action == "auto_complete" and not order.seller.is_active:
        return _payout_held(order)
    return check(TRANSITIONS, action, state=order.status, roles=roles, describe_state=lambda: _describe(order))


def _describe(order: Order) -> str:
    # Russian says «пока статус — оплачен»: the translation keeps only the status.
    return _("the order is %(status)s") % {"status": choice_label(Order.Status, order.status).lower()}


def _open_dispute(order: Order, *, roles: frozenset[str], now: datetime) -> Verdict:
    action = "open_dispute"
    base = check(TRANSITIONS, action, state=order.status, roles=roles, describe_state=lambda: _describe(order))
    if base.code == "forbidden":
        return base
    policy = order.policy
    if order.status == Order.Status.DISPUTED:
        return Verdict(action, False, "dispute_already_open", _("A dispute is already open for this order."))
    if order.status == Order.Status.COMPLETED:
        return _warranty_dispute(order, now=now)
    if not base.allowed:
        return base
    opens_at = rules.dispute_opens_at(policy, placed_at=order.placed_at)
    if now < opens_at:
        return Verdict(
            action,
            False,
            "dispute_too_early",
            _("Disputes can be opened %(humane)s after ordering.") % {"humane": rules.humane(policy.min_order_age)},
            available_at=opens_at,
        )
    if order.delivered_at is not None:
        closes_at = rules.guarantee_ends_at(policy, delivered_at=order.delivered_at)
        if now >= closes_at:
            return Verdict(
                action,
                False,
                "dispute_window_closed",
                _("The guarantee window of %(humane)s after delivery has ended.")
                % {"humane": rules.humane(policy.guarantee_window)},
            )
    return Verdict.yes(action)


def _payout_held(order: Order) -> Verdict:
    """A suspended seller's delivered order does not complete and pay out by itself
    (`orders.suspension`); reinstating schedules the completion again."""
    return Verdict(
        "auto_complete", False, "seller_suspended", _("The seller is suspended: the order does not pay out by itself.")
    )


def warranty_ends_at(order: Order) -> datetime | None:
    """When the warranty of a completed order ends; None if it has none."""
    if not order.warranty or order.completed_at is None:
        return None
    return order.completed_at + order.warranty


def _warranty_dispute(order: Order, *, now: datetime) -> Verdict:
    """A completed order may be disputed while its warranty runs and its proceeds are still
    held, for one of the policy's `warranty_reasons` (checked when the dispute is opened)."""
    action = "open_dispute"
    ends = warranty_ends_at(order)
    policy = order.policy
    hold = getattr(order, "hold", None) if ends is not None else None
    if ends is None or not policy.warranty_reasons or hold is None or hold.status != "held" or now >= ends:
        return Verdict(
            action,
            False,
            "dispute_window_closed",
            _("The order is completed and paid out; disputes and refunds are no longer possible."),
        )
    reasons = " or ".join(r.replace("_", " ") for r in policy.warranty_reasons)
    return Verdict(action, True, reason=f"Under warranty until {ends:%d %b %Y %H:%M} UTC: only if {reasons}.")


def _buyer_cancel(order: Order, *, roles: frozenset[str], now: datetime) -> Verdict:
    """The buyer cancels an undelivered order for a full refund, without a dispute, on any of
    the grounds below. Each ground is one independent check; add a new one beside the others."""
    action = "cancel"
    base = check(TRANSITIONS, action, state=order.status, roles=roles, describe_state=lambda: _describe(order))
    if not base.allowed:
        return base
    # Ground: the seller is suspended (PRODUCT.md §14): at once, whatever the delivery deadline.
    if not order.seller.is_active:
        return Verdict.yes(action)
    # Ground: the delivery is overdue (`delivery_due` after ordering has passed).
    due = rules.delivery_due_at(order.policy, placed_at=order.placed_at)
    if due is not None and now >= due:
        return Verdict.yes(action)
    if due is None:
        return Verdict(
            action,
            False,
            "cancel_too_early",
            _("The seller may cancel an undelivered order; the buyer can open a dispute instead."),
        )
    return Verdict(
        action,
        False,
        "cancel_too_early",
        _("You can cancel if the order is not delivered within %(humane)s of ordering.")
        % {"humane": rules.humane(due - order.placed_at)},
        available_at=due,
    )


def allowed_actions(order: Order, *, user: User, now: datetime) -> list[Verdict]:
    """The verdict on every action this user could ever take on this order."""
    roles = roles_of(order, user)
    return [verdict(order, action, by=user, now=now) for action in PERSON_ACTIONS if roles & TRANSITIONS[action].roles]
