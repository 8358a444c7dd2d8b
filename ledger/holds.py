"""Holds: a completed order's proceeds kept in the seller's held account until their release
time (`payout_hold`, or the listing's warranty if longer). Every change runs in the caller's
transaction under the hold's row lock; each hold ends once, by release or by the settlement of
a warranty dispute, and both post under the same unique key, so nothing can end it twice."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit, clock, deadlines
from core.actors import Actor, SystemActor
from core.errors import NotAllowedInState, NotFound
from core.money import Money
from ledger import accounts
from ledger.models import Hold, Transaction
from ledger.posting import Leg, post
from notifications.actions import notify
from orders import events as orders_events

RELEASE = "ledger.hold_release"


def place(*, order_id: int, seller: User, amount: Money, release_at: datetime) -> Hold:
    """Records the hold of proceeds the caller is posting into the seller's held account, and
    schedules its release."""
    hold = Hold.objects.create(
        order_id=order_id,
        user=seller,
        amount=amount.amount,
        currency=amount.currency,
        release_at=release_at,
        created_at=clock.now(),
    )
    deadlines.schedule(kind=RELEASE, due_at=release_at, subject=hold, party="")
    return hold


def lock(order_id: int) -> Hold:
    try:
        return Hold.objects.select_for_update(of=("self",)).select_related("user", "order").get(order_id=order_id)
    except Hold.DoesNotExist:
        raise NotFound(_("This order's proceeds are not held.")) from None


def release(*, hold_id: int, by: SystemActor) -> Hold:
    """The release time came: the held proceeds move to the seller's wallet (paid out)."""
    with transaction.atomic():
        order_id = Hold.objects.filter(pk=hold_id).values_list("order_id", flat=True).first()
        if order_id is None:
            raise NotFound(_("No such hold."))
        hold = lock(order_id)
        if hold.status != Hold.Status.HELD:
            raise NotAllowedInState(_("The hold is %(status)s; nothing to release.") % {"status": hold.status})
        if clock.now() < hold.release_at:
            raise NotAllowedInState(_("The hold is not due for release yet."))
        money = Money(hold.amount, hold.currency)
        post(
            kind=Transaction.Kind.HOLD_RELEASED,
            legs=[
                Leg(accounts.held(hold.user, hold.currency), -money),
                Leg(accounts.wallet(hold.user, hold.currency), money),
            ],
            order_id=hold.order_id,
            memo=f"release of the proceeds of {hold.order.public_id}",
            unique_key=f"hold:{hold.pk}:end",
        )
        _end(hold, Hold.Status.RELEASED)
        audit.record(
            orders_events.ORDER_PROCEEDS_RELEASED,
            subject=hold.order,
            by=by,
            role="system",
            data={"amount": money.as_dict()},
        )
        notify(
            users=[hold.user],
            code="wallet.hold_released",
            link=reverse("web:wallet"),
            title=lambda: (
                _("%(money)s from order %(public_id)s is now available")
                % {"money": money, "public_id": hold.order.public_id}
            ),
            body=lambda: _("The hold on the proceeds ended; the money is in your wallet and can be withdrawn."),
        )
    return hold


def freeze(*, order_id: int, by: Actor) -> Hold:
    """A warranty dispute opened: the held proceeds wait for its outcome (caller's transaction)."""
    hold = lock(order_id)
    if hold.status != Hold.Status.HELD:
        raise NotAllowedInState(_("The hold is %(status)s.") % {"status": hold.status})
    hold.status = Hold.Status.FROZEN
    hold.save(update_fields=["status"])
    deadlines.cancel(subject=hold, kinds=[RELEASE], reason="frozen by a warranty dispute")
    audit.record(
        orders_events.ORDER_PROCEEDS_FROZEN, subject=hold.order, by=by, role="buyer", data={"amount": hold.amount}
    )
    return hold


def _end(hold: Hold, status: str) -> None:
    hold.status = status
    hold.ended_at = clock.now()
    hold.save(update_fields=["status", "ended_at"])
    deadlines.cancel(subject=hold, kinds=[RELEASE], reason=f"hold {status}")


def settle_warranty(*, hold: Hold, to_buyer: Money, to_seller: Money, platform_delta: Money, buyer: User) -> None:
    """Ends a frozen hold with a warranty dispute's outcome: from the held proceeds the buyer
    gets `to_buyer`, the seller `to_seller`, and the platform gives back what it kept on the
    refunded part (`platform_delta`, at most zero). The caller holds the hold's lock."""
    if hold.status != Hold.Status.FROZEN:
        raise NotAllowedInState(_("The hold is %(status)s.") % {"status": hold.status})
    held = Money(hold.amount, hold.currency)
    legs = [Leg(accounts.held(hold.user, hold.currency), -held)]
    if to_buyer.amount:
        legs.append(Leg(accounts.wallet(buyer, hold.currency), to_buyer))
    if to_seller.amount:
        legs.append(Leg(accounts.wallet(hold.user, hold.currency), to_seller))
    if platform_delta.amount:
        legs.append(Leg(accounts.platform_fees(hold.currency), platform_delta))
    post(
        kind=Transaction.Kind.WARRANTY_SETTLED,
        legs=legs,
        order_id=hold.order_id,
        memo=f"warranty settlement of {hold.order.public_id}",
        unique_key=f"hold:{hold.pk}:end",
    )
    _end(hold, Hold.Status.SETTLED)
