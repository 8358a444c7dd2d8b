"""Every change to an order. Each runs in one transaction: lock the order, check the verdict,
change the state, write the audit event and the ledger entries, schedule or withdraw deadlines,
queue notifications."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.queries import still_active
from catalog.models import Listing
from chat import actions as chat_actions
from chat.models import Message
from core import audit, clock, deadlines, locale
from core.actors import Actor, SystemActor
from core.errors import Conflict, NotFound, ValidationFailed
from core.lookups import by_unique_key
from core.money import Money
from integrations.metadata import checked
from ledger import accounts, holds
from ledger.models import Hold, Transaction
from ledger.posting import Leg, post
from ledger.queries import in_debt
from notifications.actions import notify
from orders import events
from orders.models import Order
from orders.verdicts import roles_of, verdict
from policy import rules
from policy.active import current_version
from policy.rules import Split

AUTO_COMPLETE = "order.auto_complete"
GUARANTEE_REMINDER = "order.guarantee_reminder"
DELIVERY_DUE = "order.delivery_due"
DELIVERY_REMINDER = "order.delivery_reminder"
AUTO_CANCEL = "order.auto_cancel"
DELIVERY_DEADLINES = (DELIVERY_DUE, DELIVERY_REMINDER, AUTO_CANCEL)


def link(order: Order) -> str:
    return reverse("web:order", args=[order.public_id])


def lock_order(order_id: int) -> Order:
    """The order, locked for this transaction (only the order row, not its relations)."""
    try:
        return (
            Order.objects.select_for_update(of=("self",))
            .select_related("policy_version", "buyer", "seller")
            .get(pk=order_id)
        )
    except Order.DoesNotExist:
        raise NotFound(_("No such order.")) from None


def place_order(
    *, by: User, listing_id: int | str, expected_total: Money | None = None, metadata: dict[str, str] | None = None
) -> Order:
    """Buys a listing: copies it onto the order, pins the policy, and moves price + fee from the
    buyer's wallet into the order's escrow. 409 `insufficient_funds` when the wallet is short.

    `expected_total` is the total the buyer was shown and confirmed. The listing is locked and
    read inside the transaction that charges, so a seller's price change either lands before
    (and the order is refused with 409 `price_changed`, carrying the current `total`) or after
    (and the buyer pays what they saw); never the new price unseen."""
    checked_metadata = checked(metadata)
    version = current_version()
    with transaction.atomic():
        listing = _buyable(listing_id, by=by, lock=True)
        if listing.currency not in version.policy.currencies:
            raise ValidationFailed(
                _("This marketplace no longer trades in %(currency)s.") % {"currency": listing.currency}
            )
        if not still_active(listing.seller_id):  # a suspension committed since the listing was read
            raise _seller_unavailable()
        # Under the wallet's lock, so a chargeback cannot slip in between the check and the order.
        wallet = accounts.locked_wallet(by, listing.currency)
        if in_debt(by):
            raise Conflict(
                _("Ordering is blocked until the debt from a chargeback is repaid: a deposit repays it first."),
                code="in_debt",
            )
        fee = rules.buyer_fee(version.policy, listing.price)
        total = listing.price + fee
        if expected_total is not None and expected_total != total:
            raise Conflict(
                _(
                    "The price changed: this listing now costs %(total)s in all. Nothing was "
                    "charged; look at the listing again and confirm the new total if you still want "
                    "it."
                )
                % {"total": total},
                code="price_changed",
                total=total.as_dict(),
            )
        order = Order.objects.create(
            buyer=by,
            seller=listing.seller,
            listing=listing,
            listing_snapshot=snapshot_of(listing),
            kind=listing.kind,
            currency=listing.currency,
            price_amount=listing.price_amount,
            warranty=listing.warranty,
            fee_amount=fee.amount,
            policy_version=version,
            placed_at=clock.now(),
            metadata=checked_metadata,
        )
        escrow = accounts.open_escrow(order.pk, order.currency)
        post(
            kind=Transaction.Kind.ORDER_FUNDED,
            legs=[Leg(wallet, -order.total), Leg(escrow, order.total)],
            order_id=order.pk,
            memo=f"escrow for {order.public_id}",
            locked=[wallet, escrow],
        )
        audit.record(
            events.ORDER_PLACED,
            subject=order,
            by=by,
            role="buyer",
            data={"price": order.price.as_dict(), "fee": order.fee.as_dict(), "policy": version.label},
        )
        _schedule_delivery_deadlines(order)
        notify(
            users=[order.seller],
            code="order.placed",
            link=link(order),
            about=order,
            title=lambda: (
                _("New order %(public_id)s: %(title)s") % {"public_id": order.public_id, "title": listing.title}
            ),
            body=lambda: (
                _("%(username)s paid %(price)s. The money is held in escrow until the order completes.")
                % {"username": by.username, "price": order.price}
            ),
        )
    return order


def _schedule_delivery_deadlines(order: Order) -> None:
    """`delivery_due` (reminded before) and `auto_cancel_after`, from the order's own policy."""
    policy, placed = order.policy, order.placed_at
    timers = []
    if (due := rules.delivery_due_at(policy, placed_at=placed)) is not None:
        timers.append((DELIVERY_DUE, due, "seller"))
        if (remind_at := rules.reminder_at(policy, due_at=due, now=placed)) is not None:
            timers.append((DELIVERY_REMINDER, remind_at, "seller"))
    if (cancel_at := rules.auto_cancel_at(policy, placed_at=placed)) is not None:
        timers.append((AUTO_CANCEL, cancel_at, "seller"))
    deadlines.schedule_many(order, timers)


def _buyable(listing_id: int | str, *, by: User, lock: bool = False) -> Listing:
    """The listing by its id, or by its public id (a string, as the API names it)."""
    listings = Listing.objects.select_related("seller")
    if lock:
        listings = listings.select_for_update(of=("self",))
    by_id = {"public_id": listing_id} if isinstance(listing_id, str) else {"pk": listing_id}
    listing = by_unique_key(listings.filter(**by_id, is_active=True))
    if listing is None:
        raise NotFound(_("No such listing, or it is no longer for sale."))
    if listing.seller_id == by.pk:
        raise Conflict(_("You cannot buy your own listing."), code="own_listing")
    if not listing.seller.is_active:
        raise _seller_unavailable()
    return listing


def _seller_unavailable() -> Conflict:
    return Conflict(_("The seller of this listing is suspended: it cannot be ordered now."), code="seller_unavailable")


def snapshot_of(listing: Listing) -> dict[str, object]:
    """What the buyer saw, kept with the order: "not as described" is judged against it."""
    return {
        "id": listing.public_id,
        "title": listing.title,
        "description": listing.description,
        "kind": listing.kind,
        "price": listing.price.as_dict(),
        "warranty": rules.format_duration(listing.warranty),
    }


def deliver(*, order_id: int, by: User, note: str = "") -> Order:
    """The seller marks the order delivered; the buyer's guarantee window starts."""
    if len(note) > 5000:
        raise ValidationFailed(_("The delivery note is too long."), fields={"note": ["At most 5000 characters."]})
    with transaction.atomic():
        order = lock_order(order_id)
        now = clock.now()
        verdict(order, "deliver", by=by, now=now).require()
        order.status = Order.Status.DELIVERED
        order.delivered_at = now
        order.delivery_note = note
        order.save(update_fields=["status", "delivered_at", "delivery_note"])
        audit.record(events.ORDER_DELIVERED, subject=order, by=by, role="seller", data={"has_note": bool(note)})
        deadlines.cancel(subject=order, kinds=DELIVERY_DEADLINES, reason="delivered")
        due = rules.guarantee_ends_at(order.policy, delivered_at=now)
        timers = [(AUTO_COMPLETE, due, "buyer")]
        if (remind_at := rules.reminder_at(order.policy, due_at=due, now=now)) is not None:
            timers.append((GUARANTEE_REMINDER, remind_at, "buyer"))
        deadlines.schedule_many(order, timers)
        notify(
            users=[order.buyer],
            code="order.delivered",
            link=link(order),
            about=order,
            title=lambda: _("Order %(public_id)s was delivered") % {"public_id": order.public_id},
            body=lambda: (
                _(
                    "Check that you have everything before you confirm. If something is wrong, open "
                    "a dispute before %(due)s; after that the order completes by itself."
                )
                % {"due": locale.when(due)}
            ),
        )
    return order


def confirm(*, order_id: int, by: User) -> Order:
    """The buyer confirms delivery: the order completes and the seller is paid."""
    with transaction.atomic():
        order = lock_order(order_id)
        verdict(order, "confirm", by=by, now=clock.now()).require()
        split = settle(order, buyer_refund=0, by=by, role="buyer", status=Order.Status.COMPLETED)
        audit.record(events.ORDER_CONFIRMED, subject=order, by=by, role="buyer")
        notify(
            users=[order.seller],
            code="order.completed",
            link=link(order),
            about=order,
            title=lambda: _("Order %(public_id)s is complete") % {"public_id": order.public_id},
            body=lambda: (
                _("%(username)s confirmed delivery. You were paid %(seller_payout)s.")
                % {"username": order.buyer.username, "seller_payout": split.seller_payout}
            ),
        )
    return order


def auto_complete(*, order_id: int, by: SystemActor) -> Order:
    """The guarantee window ended without confirmation or dispute: the order completes."""
    with transaction.atomic():
        return auto_complete_in_savepoint(order_id=order_id, by=by)


def auto_complete_in_savepoint(*, order_id: int, by: SystemActor) -> Order:
    """`auto_complete` for a caller that already runs it in a savepoint (or transaction) of its
    own, which rolls back whatever this wrote if it raises: the deadline worker, which applies
    each deadline in its own savepoint. Skips the second, nested savepoint (two round trips)."""
    assert transaction.get_connection().in_atomic_block, "auto_complete_in_savepoint() needs a transaction"
    order = lock_order(order_id)
    # A fresh read after the lock: a suspension committed while this waited for the order
    # must stop the payout (the seller joined to the locked row is as it was before the wait).
    order.seller.refresh_from_db(fields=["is_active"])
    verdict(order, "auto_complete", by=by, now=clock.now()).require()
    split = settle(
        order,
        buyer_refund=0,
        by=by,
        role="system",
        status=Order.Status.COMPLETED,
        then=[audit.Entry(events.ORDER_AUTO_COMPLETED, by=by, role="system")],
    )
    notify(
        users=[order.buyer, order.seller],
        code="order.auto_completed",
        link=link(order),
        about=order,
        title=lambda: _("Order %(public_id)s completed by itself") % {"public_id": order.public_id},
        body=lambda: (
            _(
                "The guarantee window ended without a confirmation or a dispute. %(username)s "
                "was paid %(seller_payout)s."
            )
            % {"username": order.seller.username, "seller_payout": split.seller_payout}
        ),
    )
    return order


def cancel(*, order_id: int, by: User, reason: str = "") -> Order:
    """An undelivered order is cancelled with a full refund: by the seller or the
    administration at any time, by the buyer once the delivery is overdue or at once when the
    seller is suspended."""
    if len(reason) > 1000:
        raise ValidationFailed(_("The reason is too long."), fields={"reason": ["At most 1000 characters."]})
    with transaction.atomic():
        order = lock_order(order_id)
        verdict(order, "cancel", by=by, now=clock.now()).require()
        roles = roles_of(order, by)
        role = "staff" if "staff" in roles else ("buyer" if roles == {"buyer"} else "seller")
        split = settle(order, buyer_refund=order.price_amount, by=by, role=role, status=Order.Status.CANCELLED)
        audit.record(events.ORDER_CANCELLED, subject=order, by=by, role=role, data={"reason": reason})
        notify(
            users=[order.buyer, order.seller],
            code="order.cancelled",
            link=link(order),
            about=order,
            title=lambda: _("Order %(public_id)s was cancelled") % {"public_id": order.public_id},
            body=lambda: (
                _("%(to_buyer)s went back to %(username)s's wallet.")
                % {"to_buyer": split.to_buyer, "username": order.buyer.username}
                + ((" " + _("Reason: %(reason)s") % {"reason": reason}) if reason else "")
            ),
        )
    return order


def auto_cancel(*, order_id: int, by: SystemActor) -> Order:
    """`auto_cancel_after` passed and the order is still undelivered: a full refund."""
    with transaction.atomic():
        order = lock_order(order_id)
        verdict(order, "auto_cancel", by=by, now=clock.now()).require()
        split = settle(order, buyer_refund=order.price_amount, by=by, role="system", status=Order.Status.CANCELLED)
        audit.record(events.ORDER_AUTO_CANCELLED, subject=order, by=by, role="system")
        notify(
            users=[order.buyer, order.seller],
            code="order.auto_cancelled",
            link=link(order),
            about=order,
            title=lambda: (
                _("Order %(public_id)s was cancelled: it was not delivered in time") % {"public_id": order.public_id}
            ),
            body=lambda: (
                _("%(to_buyer)s went back to %(username)s's wallet.")
                % {"to_buyer": split.to_buyer, "username": order.buyer.username}
            ),
        )
    return order


def settle(
    order: Order, *, buyer_refund: int, by: Actor, role: str, status: str, then: Sequence[audit.Entry] = ()
) -> Split:
    """Ends an order: empties its escrow to buyer, seller and platform in one ledger transaction.

    The caller holds the order's lock and has checked its verdict. The settlement's unique key
    makes a second settlement of the same order impossible, whatever races. `then`: the order's
    events the caller records right after the settlement's own, written with it in one INSERT."""
    split = rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=buyer_refund)
    currency = order.currency
    hold_until = rules.hold_ends_at(
        order.policy, warranty=order.warranty, completed=status == Order.Status.COMPLETED, at=clock.now()
    )
    moves: list[tuple[accounts.Spec, Money]] = [(accounts.escrow_spec(order.pk, currency), -order.total)]
    if split.to_buyer.amount:
        moves.append((accounts.wallet_spec(order.buyer, currency), split.to_buyer))
    if split.seller_payout.amount:
        # Proceeds under a payout hold or a warranty wait in the seller's held account.
        to = accounts.held_spec if hold_until is not None else accounts.wallet_spec
        moves.append((to(order.seller, currency), split.seller_payout))
    if split.platform_fee.amount:
        moves.append((accounts.platform_fees_spec(currency), split.platform_fee))
    # The escrow and the seller's (or buyer's) account found and locked in one query.
    found, locked = accounts.found_and_locked(*(spec for spec, _ in moves))
    legs = [Leg(account, money) for account, (_, money) in zip(found, moves, strict=True)]
    post(
        kind=Transaction.Kind.ORDER_SETTLED,
        legs=legs,
        order_id=order.pk,
        memo=f"settlement of {order.public_id} ({status})",
        unique_key=f"order:{order.pk}:settlement",
        locked=locked,
    )
    order.status = status
    order.completed_at = clock.now()
    order.save(update_fields=["status", "completed_at"])
    deadlines.cancel(subject=order, reason=f"order {status}")
    if hold_until is not None and split.seller_payout.amount:
        holds.place(order_id=order.pk, seller=order.seller, amount=split.seller_payout, release_at=hold_until)
    settled = audit.Entry(events.ORDER_SETTLED, by=by, role=role, data={"status": status, **split.as_dict()})
    audit.record_many(order, [settled, *then])
    return split


def post_message(*, order_id: int, by: User, body: str) -> Message:
    """A message in the order chat, from the buyer, the seller or the administration."""
    with transaction.atomic():
        order = by_unique_key(Order.objects.select_related("buyer", "seller").filter(pk=order_id))
        if order is None:
            raise NotFound(_("No such order."))
        verdict(order, "message", by=by, now=clock.now()).require()
        role = next(iter(sorted(roles_of(order, by))))
        message = chat_actions.post_message(order_id=order.pk, channel="order", by=by, role=role, body=body)
        others = [u for u in (order.buyer, order.seller) if u.pk != by.pk]
        notify(
            users=others,
            code="order.message",
            link=link(order) + "#chat",
            about=order,
            title=lambda: _("New message on order %(public_id)s") % {"public_id": order.public_id},
            body=lambda: (
                _("%(who)s wrote: %(text)s")
                % {"who": _("The administration") if role == "staff" else by.username, "text": message.body[:200]}
            ),
        )
    return message


def require_warranty_reason(order: Order, *, reason: str) -> None:
    """During a warranty (the order completed) only a `warranty_reasons` reason may be disputed."""
    if order.status != Order.Status.COMPLETED:
        return
    allowed = order.policy.warranty_reasons
    if reason not in allowed:
        names = " or ".join(r.replace("_", " ") for r in allowed) or "nothing"
        raise Conflict(
            _("The order is completed: under its warranty a dispute can only be opened because %(names)s.")
            % {"names": names},
            code="dispute_window_closed",
        )


def enter_dispute(order: Order, *, by: User) -> None:
    """The buyer opened a dispute: the order is frozen and stops completing by itself.

    The caller (`disputes.actions.open_dispute`) holds the order's lock and checked the verdict.
    On a completed order (a warranty dispute) the held proceeds are frozen instead."""
    if order.status == Order.Status.COMPLETED:
        holds.freeze(order_id=order.pk, by=by)
    order.status = Order.Status.DISPUTED
    order.save(update_fields=["status"])
    deadlines.cancel(subject=order, reason="dispute opened")
    audit.record(events.ORDER_DISPUTED, subject=order, by=by, role="buyer")


def settle_dispute(order: Order, *, buyer_refund: int, by: Actor, role: str) -> Split:
    """Ends a disputed order with a refund of `buyer_refund` of the price (0: the seller is paid
    in full). The caller holds the order's lock."""
    verdict(order, "settle_dispute", by=by, now=clock.now()).require()
    if buyer_refund == 0:
        status = Order.Status.COMPLETED
    elif buyer_refund == order.price_amount:
        status = Order.Status.REFUNDED
    else:
        status = Order.Status.PARTIALLY_REFUNDED
    if Hold.objects.filter(order_id=order.pk, status=Hold.Status.FROZEN).exists():
        return _settle_from_hold(order, buyer_refund=buyer_refund, by=by, role=role, status=status)
    return settle(order, buyer_refund=buyer_refund, by=by, role=role, status=status)


def _settle_from_hold(order: Order, *, buyer_refund: int, by: Actor, role: str, status: str) -> Split:
    """Ends a warranty dispute: the escrow was settled at completion, so the split comes out of
    the seller's frozen proceeds, and the platform gives back the fee and commission it kept
    on the refunded part. Whatever the seller keeps is paid out at once: the case is closed."""
    split = rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=buyer_refund)
    paid = rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=0)
    hold = holds.lock(order.pk)
    holds.settle_warranty(
        hold=hold,
        to_buyer=split.to_buyer,
        to_seller=split.seller_payout,
        platform_delta=split.platform_fee - paid.platform_fee,
        buyer=order.buyer,
    )
    order.status = status
    order.save(update_fields=["status"])
    deadlines.cancel(subject=order, reason=f"order {status}")
    audit.record(
        events.ORDER_SETTLED,
        subject=order,
        by=by,
        role=role,
        data={
            "status": status,
            "from": "held proceeds (warranty)",
            **split.as_dict(),
        },
    )
    return split
