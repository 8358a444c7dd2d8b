"""The statement of reasons (PRODUCT.md §15): every decision of the administration and every
automatic outcome says what was decided and the money, which rules of the order's pinned
policy it applies (by name, with their text), the facts relied on, who or which rule decided,
and how and until when it can be appealed. It is stored with the dispute as the parties saw it,
shown on the dispute page, put in the case file and in the resolution's webhook."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.actors import Actor, SystemActor
from disputes.models import Dispute
from policy.rules import Split, humane
from policy.schema import Policy

_TEXTS: dict[str, Callable[[Policy], str]] = {
    "fee_in_proportion": lambda p: _("A refund returns the same share of the buyer's service fee as of the price."),
    "undelivered_full_refund": lambda p: _(
        "An undelivered order is eligible for a full refund; nothing pays a seller "
        "for an order that was never delivered."
    ),
    "never_more_than_asked": lambda p: _(
        "An automatic outcome in the buyer's favour gives the buyer what they asked for, and never more."
    ),
    "seller_response_due": lambda p: (
        _("The seller must respond to a dispute within %(duration)s.") % {"duration": humane(p.seller_response_due)}
        if p.seller_response_due
        else _("The seller has no deadline to respond.")
    ),
    "seller_silence_action": lambda p: (
        _("A seller who does not respond in time: the buyer is refunded what they asked for.")
        if p.seller_silence_action == "refund_buyer"
        else _("A seller who does not respond in time: the dispute goes to the administration.")
    ),
    "info_request_due": lambda p: (
        _(
            "Questions from the administration must be answered within %(duration)s, "
            "or that side's position is forfeited."
        )
        % {"duration": humane(p.info_request_due)}
    ),
    "max_seller_keep_on_return": lambda p: (
        _(
            "On a return the seller may keep up to %(percent)s %% "
            "of the price, nothing if the item was found defective or not as described."
        )
        % {"percent": p.max_seller_keep_on_return}
    ),
    "service_refund_needs_seller_error": lambda p: _(
        "A completed service is refunded only for a seller error in delivery."
    ),
    "return_by_agreement_or_decision": lambda p: _(
        "A return happens only if the seller agrees or the administration decides it."
    ),
    "guarantee_window": lambda p: (
        _("After a delivery the buyer has %(duration)s to confirm or object; then the order completes by itself.")
        % {"duration": humane(p.guarantee_window)}
    ),
    "decision_target": lambda p: (
        _("The administration aims to decide an escalated case within %(duration)s.")
        % {"duration": humane(p.decision_target)}
        if p.decision_target
        else _("No decision target is set.")
    ),
    "appeal_window": lambda p: (
        _(
            "Either party may appeal a decision once, with a reason, within %(duration)s; another staff "
            "member then decides, finally. Until then the money stays in escrow."
        )
        % {"duration": humane(p.appeal_window)}
        if p.appeal_window
        else _("Decisions of the administration are final.")
    ),
    "withdrawal": lambda p: _("The buyer may withdraw the dispute; the money is then released to the seller."),
    "agreement": lambda p: _("When one side accepts the other's proposal, its effect is carried out at once."),
}


def rule(policy: Policy, name: str) -> dict[str, str]:
    """A rule as the statement of reasons stores it: its text in English, as the API gives it."""
    with translation.override("en"):
        return {"name": name, "text": _TEXTS[name](policy)}


def told(policy: Policy, stored: dict[str, str]) -> str:
    """A stored rule's text in the reader's language (the pinned policy's numbers are the ones
    it was stated with); a rule no longer known keeps its stored text."""
    text = _TEXTS.get(stored.get("name", ""))
    return text(policy) if text else stored.get("text", "")


def rules_applied(dispute: Dispute, *, outcome: str, decided_by: str, fired: str, buyer_refund: int) -> list[str]:
    """The names of the rules this outcome rests on."""
    order = dispute.order
    names: list[str] = []
    if decided_by == "timeout" and fired:
        names += [fired] if fired != "seller_response_due" else ["seller_response_due", "seller_silence_action"]
    if decided_by == "forfeit":
        names.append("info_request_due")
    if decided_by in ("timeout", "forfeit") and buyer_refund > 0:
        names.append("never_more_than_asked")
    if decided_by == "agreement":
        names.append("agreement")
    if decided_by == "withdrawal":
        names.append("withdrawal")
    if order.delivered_at is None and dispute.redelivered_at is None and buyer_refund == order.price_amount:
        names.append("undelivered_full_refund")
    if outcome == "return_and_refund":
        names += ["return_by_agreement_or_decision", "max_seller_keep_on_return"]
    if order.kind == "service" and buyer_refund > 0:
        names.append("service_refund_needs_seller_error")
    if buyer_refund > 0:
        names.append("fee_in_proportion")
    if decided_by == "administrator":
        names += ["decision_target", "appeal_window"]
    return list(dict.fromkeys(names))


def who_decided(by: Actor, decided_by: str) -> dict[str, Any]:
    if isinstance(by, SystemActor):
        return {"kind": decided_by, "user": None, "rule": by.rule}
    assert isinstance(by, User)
    return {"kind": decided_by, "user": by.username, "rule": None}


def statement(
    dispute: Dispute,
    *,
    outcome: str,
    split: Split,
    decided_by: str,
    by: Actor,
    note: str,
    findings: Iterable[str] = (),
    appeal_until: datetime | None = None,
) -> dict[str, Any]:
    """The statement of reasons of an outcome, as JSON (`resolution.reasons` in the API)."""
    policy = dispute.order.policy
    fired = by.rule if isinstance(by, SystemActor) else ""
    names = rules_applied(
        dispute, outcome=outcome, decided_by=decided_by, fired=fired, buyer_refund=split.buyer_refund.amount
    )
    return {
        "outcome": outcome,
        "amounts": split.as_dict(),
        "rules": [rule(policy, name) for name in names],
        "findings": list(findings),
        "note": note,
        "decided_by": who_decided(by, decided_by),
        "appeal_until": appeal_until.isoformat() if appeal_until else None,
    }
