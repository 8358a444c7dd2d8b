"""Pure functions over a policy: fees, the settlement split, and the windows in which each
party may act. No database, no clock: callers pass the times in.

Rounding is defined here once. Each line is rounded half-up; whatever rounding leaves over
goes to the other side of the split, so an order's escrow always ends at exactly zero. The one
line rounded down is a share with a ceiling: what a seller keeps on a return ("up to 50 %").
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.money import Money, share
from policy.schema import Policy

# Reasons for which the seller may keep nothing on a return (PRODUCT.md §4, both seeds).
NO_KEEP_REASONS = frozenset({"defective", "not_as_described"})


def buyer_fee(policy: Policy, price: Money) -> Money:
    """The buyer's service fee: a percentage of the price, at least the policy's minimum."""
    percent_fee = share(price.amount, policy.buyer_fee_percent, 100)
    minimum = Money.from_major(policy.buyer_fee_minimum, price.currency).amount
    return Money(max(percent_fee, minimum), price.currency)


@dataclass(frozen=True, slots=True)
class Split:
    """Where an order's escrow (price + fee) goes when the order ends."""

    buyer_refund: Money  # the refunded part of the price
    fee_refund: Money  # the same share of the service fee
    seller_payout: Money  # the rest of the price, less commission
    platform_fee: Money  # the fee kept, plus commission

    @property
    def total(self) -> Money:
        return self.buyer_refund + self.fee_refund + self.seller_payout + self.platform_fee

    @property
    def to_buyer(self) -> Money:
        return self.buyer_refund + self.fee_refund

    def parts(self) -> dict[str, Money]:
        return {
            "buyer_refund": self.buyer_refund,
            "fee_refund": self.fee_refund,
            "seller_payout": self.seller_payout,
            "platform_fee": self.platform_fee,
        }

    def as_dict(self) -> dict[str, dict[str, int | str]]:
        """The four parts as JSON money, the one shape of a split in records and responses."""
        return {name: money.as_dict() for name, money in self.parts().items()}


def settlement_split(policy: Policy, *, price: Money, fee: Money, buyer_refund: int) -> Split:
    """Splits price + fee for a refund of `buyer_refund` minor units of the price (0 = the
    seller is paid in full; price = full refund). The fee is refunded in the same proportion."""
    if not 0 <= buyer_refund <= price.amount:
        raise ValueError("the refund must be between 0 and the price")
    currency = price.currency
    fee_refund = share(fee.amount, buyer_refund, price.amount)
    seller_gross = price.amount - buyer_refund
    commission = share(seller_gross, policy.seller_commission_percent, 100)
    return Split(
        buyer_refund=Money(buyer_refund, currency),
        fee_refund=Money(fee_refund, currency),
        seller_payout=Money(seller_gross - commission, currency),
        platform_fee=Money(fee.amount - fee_refund + commission, currency),
    )


def return_refund(policy: Policy, *, price: Money, seller_keep_percent: int) -> int:
    """The part of the price refunded on a return when the seller keeps `seller_keep_percent`.
    The share is a ceiling ("keeps up to 50 %"), so the kept part is rounded down, not half-up,
    and the buyer gets the rest: 50 % of 0.03 keeps 0.01 and refunds 0.02."""
    kept = price.amount * seller_keep_percent // 100
    return price.amount - kept


def max_seller_keep_percent(policy: Policy, *, reason: str, findings: Collection[str] | None = None) -> int:
    """How much of the price a seller may keep on a return: nothing when the item was
    defective or not as described (the mediator's `findings` when given, else the buyer's
    claim `reason`), otherwise up to the policy's maximum."""
    facts = set(findings) if findings is not None else {reason}
    return 0 if facts & NO_KEEP_REASONS else policy.max_seller_keep_on_return


# Windows -----------------------------------------------------------------------------------


def dispute_opens_at(policy: Policy, *, placed_at: datetime) -> datetime:
    return placed_at + policy.min_order_age


def guarantee_ends_at(policy: Policy, *, delivered_at: datetime) -> datetime:
    return delivered_at + policy.guarantee_window


def escalation_opens_at(policy: Policy, *, opened_at: datetime) -> datetime:
    return opened_at + policy.escalation_available_after


def auto_escalates_at(policy: Policy, *, opened_at: datetime) -> datetime | None:
    return None if policy.auto_escalate_after is None else opened_at + policy.auto_escalate_after


def seller_response_due_at(policy: Policy, *, opened_at: datetime) -> datetime | None:
    return None if policy.seller_response_due is None else opened_at + policy.seller_response_due


def hold_ends_at(policy: Policy, *, warranty: timedelta | None, completed: bool, at: datetime) -> datetime | None:
    """Until when an order's proceeds are held after it ends at `at`: the payout hold, or the
    warranty (only on completion) if longer; None when they are paid out at once."""
    longest = max(policy.payout_hold, (warranty or timedelta(0)) if completed else timedelta(0))
    return at + longest if longest > timedelta(0) else None


def delivery_due_at(policy: Policy, *, placed_at: datetime) -> datetime | None:
    return None if policy.delivery_due is None else placed_at + policy.delivery_due


def auto_cancel_at(policy: Policy, *, placed_at: datetime) -> datetime | None:
    return None if policy.auto_cancel_after is None else placed_at + policy.auto_cancel_after


def reminder_at(policy: Policy, *, due_at: datetime, now: datetime) -> datetime | None:
    """When to remind someone of a deadline at `due_at`; None if there is no time for it."""
    if policy.reminder_before_deadline is None:
        return None
    at = due_at - policy.reminder_before_deadline
    return at if at > now else None


def ticket_first_response_due_at(policy: Policy, *, opened_at: datetime) -> datetime:
    """When the administration aims to have answered a new ticket (a target, not a timer)."""
    return opened_at + policy.ticket_first_response_target


def ticket_autoclose_at(policy: Policy, *, answered_at: datetime) -> datetime:
    """When an answered ticket with no reply from its owner resolves by itself."""
    return answered_at + policy.ticket_autoclose_after


def format_duration(delta: timedelta | None) -> str | None:
    """The policy files' own notation: "7d", "48h", "15m" (None stays None)."""
    if delta is None:
        return None
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def humane(delta: timedelta) -> str:
    """ "15 minutes", "48 hours", "7 days": how the UI names a policy duration (hours below
    four days, as the marketplaces themselves say "72 hours"), with the reader's language's
    plural forms (1 час, 2 часа, 5 часов, 21 час)."""
    seconds = int(delta.total_seconds())
    units = (
        (("hour", 3600), ("minute", 60)) if seconds < 4 * 86400 else (("day", 86400), ("hour", 3600), ("minute", 60))
    )
    for unit, size in units:
        if seconds >= size and seconds % size == 0:
            return _count(unit, seconds // size)
    return _count("second", seconds)


def _count(unit: str, n: int) -> str:
    if unit == "day":
        text = ngettext("%(n)d day", "%(n)d days", n)
    elif unit == "hour":
        text = ngettext("%(n)d hour", "%(n)d hours", n)
    elif unit == "minute":
        text = ngettext("%(n)d minute", "%(n)d minutes", n)
    else:
        text = ngettext("%(n)d second", "%(n)d seconds", n)
    return text % {"n": n}


# Refund rules -------------------------------------------------------------------------------


def refund_refusal(
    policy: Policy,
    *,
    order_kind: str,
    delivered: bool,
    reason: str,
    buyer_refund: int,
    price: int,
    path: str,
    seller_error: bool = False,
    keep_percent: int | None = None,
    findings: Collection[str] | None = None,
    settles: bool = True,
) -> tuple[str, str] | None:
    """Why a refund may not happen this way, as (code, sentence); None when it may.

    `path` is how the refund comes about: "agreement" (the seller proposed or accepted it),
    "decision" (the administration), "timeout" (a deadline nobody met) or "forfeit" (a party
    did not answer the administration). The rules hold on every path (PRODUCT.md §4, §15).
    `delivered` is whether the buyer has the goods as the case stands (the caller weighs a
    mediator's `delivered` / `not_delivered` finding into it). The facts a rule rests on are the
    mediator's `findings` on the decision path, and the buyer's ticked `reason` (the claim)
    where no mediator is involved. `settles` is False for a delivery still to come (a
    replacement or the rest), which pays the seller only once it is delivered."""
    if not 0 <= buyer_refund <= price:
        return "validation_error", "The refund must be between zero and the price."
    facts = set(findings or ()) if path == "decision" else {reason}
    service_done = order_kind == "service" and delivered
    if keep_percent is not None:
        most = max_seller_keep_percent(policy, reason=reason, findings=facts)
        if not 0 <= keep_percent <= most:
            if most == 0:
                return (
                    "keep_not_allowed",
                    "The item was defective or not as described: the seller keeps nothing.",
                )
            return "keep_too_high", f"On a return the seller may keep at most {most} % of the price."
        if not delivered:
            return (
                "nothing_to_return",
                "Nothing was delivered, so there is nothing to return: the buyer is eligible for a full refund.",
            )
        if service_done:
            return (
                "nothing_to_return",
                "A delivered service cannot be given back, so there is nothing to return: "
                "it is refunded (in full or in part) for a seller error, or not at all.",
            )
    if settles and not delivered and buyer_refund < price:
        return "nothing_delivered", NOTHING_DELIVERED
    if service_done and buyer_refund > 0:
        if path == "decision" and not (seller_error or "seller_error" in facts):
            return "seller_error_required", (
                "A completed service can be refunded only for a seller error in delivery; the decision must say so."
            )
        if path in ("timeout", "forfeit"):
            return (
                "seller_error_required",
                "A completed service is refunded only after a finding of seller error.",
            )
    return None


NOTHING_DELIVERED = (
    "Nothing was delivered, so the seller cannot be paid for it: only a full refund (or a delivery, "
    "then payment) is possible, unless the administration finds that it was delivered after all."
)


def describe(policy: Policy) -> list[str]:
    """The rules of a policy as sentences people read on the order and dispute pages, in the
    reader's language."""
    h = humane
    lines = [
        _("The buyer pays a service fee of %(percent)s %% (at least %(minimum)s).")
        % {"percent": _number(policy.buyer_fee_percent), "minimum": _number(policy.buyer_fee_minimum)},
        _(
            "After delivery the buyer has %(duration)s to confirm or open a dispute; "
            "then the order completes by itself and the seller is paid."
        )
        % {"duration": h(policy.guarantee_window)},
        _("A dispute can be opened %(duration)s after ordering at the earliest.")
        % {"duration": h(policy.min_order_age)}
        if policy.min_order_age
        else _("A dispute can be opened at any time before the order completes."),
    ]
    if policy.seller_response_due is not None:
        sentence = (
            _(
                "The seller must respond to a dispute within %(duration)s; "
                "otherwise the dispute goes to the administration."
            )
            if policy.seller_silence_action == "escalate"
            else _("The seller must respond to a dispute within %(duration)s; otherwise the buyer is refunded.")
        )
        lines.append(sentence % {"duration": h(policy.seller_response_due)})
    lines.append(_escalation_sentence(policy) % {"duration": h(policy.escalation_available_after)})
    if policy.auto_escalate_after is not None:
        lines.append(
            _("A dispute not resolved after %(duration)s goes to the administration by itself.")
            % {"duration": h(policy.auto_escalate_after)}
        )
    lines += [
        _(
            "Questions from the administration must be answered within %(duration)s, "
            "or that side's position is forfeited."
        )
        % {"duration": h(policy.info_request_due)},
        _(
            "On a return the seller may keep up to %(percent)s %% of the price — nothing if the "
            "item was defective or not as described."
        )
        % {"percent": policy.max_seller_keep_on_return},
        _("A completed service is refunded only for a seller error in delivery."),
        _("A refund returns the same share of the service fee."),
    ]
    return lines


def _escalation_sentence(policy: Policy) -> str:
    """Who may bring in the administration, one whole sentence per set of parties."""
    parties = set(policy.escalation_parties)
    if parties == {"buyer"}:
        return _("The buyer may ask the administration to step in %(duration)s after the dispute was opened.")
    if parties == {"seller"}:
        return _("The seller may ask the administration to step in %(duration)s after the dispute was opened.")
    return _("The buyer or seller may ask the administration to step in %(duration)s after the dispute was opened.")


def _number(value: Decimal) -> str:
    return str(formats.number_format(value, use_l10n=True))
