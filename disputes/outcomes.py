"""What a proposal or a decision does to the money, before anyone clicks: the effect and its
exact split. The same functions validate the terms, preview them and carry them out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from core.errors import Conflict, ValidationFailed
from disputes.models import Dispute, ProposalKind
from orders.models import Order
from policy import rules
from policy.rules import Split

EffectKind = Literal["settle", "await_return", "await_redelivery"]
DECISION_OUTCOMES = ("full_refund", "partial_refund", "release_to_seller", "return_and_refund")


@dataclass(frozen=True, slots=True)
class Effect:
    kind: EffectKind
    outcome: str  # full_refund, partial_refund, release_to_seller, return_and_refund, replacement...
    buyer_refund: int  # of the price, when the dispute ends this way
    keep_percent: int | None = None  # returns only


def has_delivery(dispute: Dispute) -> bool:
    """Delivered at first, or again in the dispute: either way the buyer has the goods or the
    service, which is what the refund rules ask."""
    return dispute.order.delivered_at is not None or dispute.redelivered_at is not None


def offerable(kinds: Iterable[str], *, delivered: bool) -> tuple[str, ...]:
    """The proposal kinds that can be carried out: nothing undelivered can be returned."""
    return tuple(kind for kind in kinds if delivered or kind != ProposalKind.RETURN_AND_REFUND)


def admits_seller_error(dispute: Dispute, effect: Effect) -> bool:
    """A seller who offers or accepts a refund of a delivered service admits the error in
    delivery that is the only ground for refunding one (PRODUCT.md §4); the case file says so."""
    return dispute.order.kind == "service" and has_delivery(dispute) and effect.buyer_refund > 0


def proposal_effect(order: Order, *, kind: str, refund_amount: int | None, keep_percent: int | None) -> Effect:
    """The effect of a proposal of `kind`, or ValidationFailed for terms that make no sense."""
    price = order.price_amount
    if kind == ProposalKind.FULL_REFUND:
        return Effect("settle", "full_refund", price)
    if kind == ProposalKind.PARTIAL_REFUND:
        if refund_amount is None or not 0 < refund_amount < price:
            raise ValidationFailed(
                f"A partial refund is more than 0 and less than the price ({order.price}).",
                fields={"refund_amount": ["out of range"]},
            )
        return Effect("settle", "partial_refund", refund_amount)
    if kind in (ProposalKind.FULL_DELIVERY, ProposalKind.REPLACEMENT):
        return Effect("await_redelivery", str(kind), 0)
    if kind == ProposalKind.RETURN_AND_REFUND:
        keep = keep_percent or 0
        if not 0 <= keep <= 100:
            raise ValidationFailed("The seller's share is a percentage.", fields={"seller_keep_percent": ["0-100"]})
        return Effect(
            "await_return",
            "return_and_refund",
            rules.return_refund(order.policy, price=order.price, seller_keep_percent=keep),
            keep,
        )
    if kind == ProposalKind.WITHDRAW:
        return Effect("settle", "release_to_seller", 0)
    raise ValidationFailed(f"Unknown proposal kind {kind!r}.", fields={"kind": ["unknown"]})


def decision_effect(order: Order, *, outcome: str, refund_amount: int | None, keep_percent: int | None) -> Effect:
    if outcome == "release_to_seller":
        return Effect("settle", "release_to_seller", 0)
    if outcome in ("full_refund", "partial_refund", "return_and_refund"):
        return proposal_effect(order, kind=outcome, refund_amount=refund_amount, keep_percent=keep_percent)
    raise ValidationFailed(f"Unknown outcome {outcome!r}.", fields={"outcome": [f"one of {DECISION_OUTCOMES}"]})


def check_rules(dispute: Dispute, effect: Effect, *, path: str, seller_error: bool = False) -> None:
    """Raises when the refund rules forbid this effect on this path."""
    order = dispute.order
    refusal = rules.refund_refusal(
        order.policy,
        order_kind=order.kind,
        delivered=has_delivery(dispute),
        reason=dispute.reason,
        buyer_refund=effect.buyer_refund,
        price=order.price_amount,
        path=path,
        seller_error=seller_error,
        keep_percent=effect.keep_percent,
    )
    if refusal is None:
        return
    code, sentence = refusal
    if code in ("validation_error", "keep_too_high", "keep_not_allowed"):
        raise ValidationFailed(sentence, code=code, fields={"seller_keep_percent": [sentence]})
    raise Conflict(sentence, code=code)


def split_of(order: Order, effect: Effect) -> Split:
    """Where the escrow goes when this effect has run its course (after the return, after the
    redelivery is confirmed)."""
    return rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=effect.buyer_refund)
