"""What a proposal or a decision does to the money, before anyone clicks: the effect and its
exact split. The same functions validate the terms, preview them and carry them out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import Conflict, ValidationFailed
from disputes.models import DecisionOutcome, Dispute, Proposal, ProposalKind
from orders.models import Order
from policy import rules
from policy.rules import Split

EffectKind = Literal["settle", "await_return", "await_redelivery"]
DECISION_OUTCOMES = tuple(DecisionOutcome.values)
# What a mediator may find (PRODUCT.md §15): the facts the refund rules rest on. `delivered`
# says the goods reached the buyer although no delivery is on record (the one way a seller of an
# order never marked delivered can be paid); `not_delivered` says the opposite of the record.
FINDINGS = ("defective", "not_as_described", "seller_error", "not_delivered", "delivered")
# How a page names each finding.
FINDING_LABELS = {
    "defective": gettext_lazy("Defective"),
    "not_as_described": gettext_lazy("Not as described"),
    "seller_error": gettext_lazy("Seller error"),
    "not_delivered": gettext_lazy("Not delivered"),
    "delivered": gettext_lazy("Delivered"),
}


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


def delivered_in_fact(dispute: Dispute, findings: Iterable[str] = ()) -> bool:
    """Does the buyer have what was paid for, as the case stands: the record (`has_delivery`),
    unless a mediator's finding says otherwise."""
    found = set(findings)
    if "not_delivered" in found:
        return False
    return "delivered" in found or has_delivery(dispute)


def clean_findings(findings: Iterable[str], *, seller_error: bool = False) -> list[str]:
    """The findings in their canonical order, without repeats; the old `seller_error` flag is
    the finding of that name. Contradictory findings are refused."""
    found = set(findings) | ({"seller_error"} if seller_error else set())
    unknown = found - set(FINDINGS)
    if unknown:
        raise ValidationFailed(
            _("Unknown findings: %(join)s.") % {"join": ", ".join(sorted(unknown))},
            fields={"findings": [f"each one of {FINDINGS}"]},
        )
    if {"delivered", "not_delivered"} <= found:
        raise ValidationFailed(
            _("The order cannot be found both delivered and not delivered."), fields={"findings": ["contradictory"]}
        )
    return [f for f in FINDINGS if f in found]


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
                _("A partial refund is more than 0 and less than the price (%(price)s).") % {"price": order.price},
                fields={"refund_amount": ["out of range"]},
            )
        return Effect("settle", "partial_refund", refund_amount)
    if kind in (ProposalKind.FULL_DELIVERY, ProposalKind.REPLACEMENT):
        return Effect("await_redelivery", str(kind), 0)
    if kind == ProposalKind.RETURN_AND_REFUND:
        keep = keep_percent or 0
        if not 0 <= keep <= 100:
            raise ValidationFailed(_("The seller's share is a percentage."), fields={"seller_keep_percent": ["0-100"]})
        return Effect(
            "await_return",
            "return_and_refund",
            rules.return_refund(order.policy, price=order.price, seller_keep_percent=keep),
            keep,
        )
    if kind == ProposalKind.WITHDRAW:
        return Effect("settle", "release_to_seller", 0)
    raise ValidationFailed(_("Unknown proposal kind %(kind)s.") % {"kind": f"{kind!r}"}, fields={"kind": ["unknown"]})


def decision_effect(order: Order, *, outcome: str, refund_amount: int | None, keep_percent: int | None) -> Effect:
    if outcome == "release_to_seller":
        return Effect("settle", "release_to_seller", 0)
    if outcome in ("full_refund", "partial_refund", "return_and_refund"):
        return proposal_effect(order, kind=outcome, refund_amount=refund_amount, keep_percent=keep_percent)
    raise ValidationFailed(
        _("Unknown outcome %(outcome)s.") % {"outcome": f"{outcome!r}"},
        fields={"outcome": [f"one of {DECISION_OUTCOMES}"]},
    )


def check_rules(dispute: Dispute, effect: Effect, *, path: str, findings: Iterable[str] = ()) -> None:
    """Raises when the refund rules forbid this effect on this path. `findings` are the
    mediator's (the decision path); elsewhere the buyer's claim stands in for them."""
    order = dispute.order
    found = list(findings) if path == "decision" else []
    refusal = rules.refund_refusal(
        order.policy,
        order_kind=order.kind,
        delivered=delivered_in_fact(dispute, found),
        reason=dispute.reason,
        buyer_refund=effect.buyer_refund,
        price=order.price_amount,
        path=path,
        keep_percent=effect.keep_percent,
        findings=found if path == "decision" else None,
        settles=effect.kind != "await_redelivery",
    )
    if refusal is None:
        return
    code, sentence = refusal
    if code in ("validation_error", "keep_too_high", "keep_not_allowed"):
        raise ValidationFailed(sentence, code=code, fields={"seller_keep_percent": [sentence]})
    raise Conflict(sentence, code=code)


def agreement_effect(dispute: Dispute, *, kind: str, refund_amount: int | None, keep_percent: int | None) -> Effect:
    """What a party's proposal of these terms would do, or the refusal the rules give it: the
    one function behind both a proposal and the live preview of the one being typed."""
    effect = proposal_effect(dispute.order, kind=kind, refund_amount=refund_amount, keep_percent=keep_percent)
    check_rules(dispute, effect, path="agreement")
    return effect


def standing_request(dispute: Dispute) -> Proposal | None:
    """What the buyer asks for now: their latest proposal (the opening request, or a revision).
    Reads `dispute.proposals.all()`, so a list that prefetched them asks nothing more."""
    asks = [p for p in dispute.proposals.all() if p.author_role == "buyer" and p.kind != ProposalKind.WITHDRAW]
    return max(asks, key=lambda p: p.pk, default=None)


def buyer_wins(dispute: Dispute, *, path: str) -> Effect | None:
    """The automatic outcome in the buyer's favour (the seller's silence or forfeit): what the
    buyer asked for, never more (PRODUCT.md §15). A refund they asked for is paid as asked (a
    partial one with its share of the fee); an order never delivered is refunded in full when the
    buyer asked for it or for its delivery. Anything else (a return, a replacement, a partial
    refund of something never delivered, a refund the rules refuse) is the mediator's to decide:
    None."""
    request = standing_request(dispute)
    if request is None:
        return None
    order = dispute.order
    kind = request.kind
    if kind in (ProposalKind.FULL_DELIVERY, ProposalKind.REPLACEMENT) and not has_delivery(dispute):
        effect: Effect | None = Effect("settle", "full_refund", order.price_amount)
    elif kind == ProposalKind.FULL_REFUND:
        effect = Effect("settle", "full_refund", order.price_amount)
    elif kind == ProposalKind.PARTIAL_REFUND and request.refund_amount:
        effect = Effect("settle", "partial_refund", request.refund_amount)
    else:
        effect = None
    if effect is None:
        return None
    try:
        check_rules(dispute, effect, path=path)
    except (Conflict, ValidationFailed):
        return None
    return effect


def split_of(order: Order, effect: Effect) -> Split:
    """Where the escrow goes when this effect has run its course (after the return, after the
    redelivery is confirmed)."""
    return rules.settlement_split(order.policy, price=order.price, fee=order.fee, buyer_refund=effect.buyer_refund)
