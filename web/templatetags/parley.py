"""Template filters for money, time and statuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import pgettext_lazy

from core import locale
from core.money import Money
from policy.rules import humane

register = template.Library()


@register.filter
def money(value: Any, currency: str | None = None) -> str:
    """`{{ order.price|money }}`, or `{{ 1999|money:"USD" }}` for a bare amount."""
    if isinstance(value, Money):
        return local_money(value)
    if isinstance(value, dict):
        return local_money(Money(int(value["amount"]), str(value["currency"])))
    if value is None or currency is None:
        return ""
    return local_money(Money(int(value), currency))


def local_money(value: Money) -> str:
    return locale.money(value)


@register.filter
def iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


@register.filter
def utc(value: datetime | None) -> str:
    """How Parley writes a moment for people: in the reader's time zone, with UTC on hover.
    `12 Mar 2026 14:00 UTC` for a reader in UTC; `12 марта 2026, 17:00 MSK` with the UTC time as
    the element's title for a reader in Moscow."""
    if not value:
        return ""
    here = locale.local(value)
    shown = f"{locale.moment(here, here.tzinfo)} {locale.zone_label(here)}"
    if locale.zone_label(here) == "UTC":
        return format_html('<time datetime="{}">{}</time>', value.isoformat(), shown)
    in_utc = f"{locale.moment(value, UTC)} UTC"
    return format_html('<time datetime="{}" title="{}">{}</time>', value.isoformat(), in_utc, shown)


@register.filter
def utc_text(value: datetime | str | None) -> str:
    """The same as `utc` for plain text (e-mails, the printed case file, where no title shows):
    `12 марта 2026, 17:00 MSK (14:00 UTC)`. Takes the ISO strings of an exported document too."""
    if isinstance(value, str):
        try:
            return locale.when(datetime.fromisoformat(value))
        except ValueError:
            return value
    return locale.when(value) if value else ""


@register.filter
def duration(value: timedelta | None) -> str:
    """`{{ policy.info_request_due|duration }}` -> `7 days`, as the policy's sentences say it."""
    return humane(value) if value is not None else ""


@register.filter
def label(value: str | None) -> str:
    """A code as people read it, in their language: `full_refund` -> `Full refund to the
    buyer` (the vocabularies of outcomes, reasons, findings and the policy's rules), else
    humanised: `partially_refunded` -> `Partially refunded`."""
    known = _labels().get(value or "")
    if known is not None:
        text = str(known)
        return text[:1].upper() + text[1:]
    return (value or "").replace("_", " ").capitalize()


_INBOX = {
    "dispute": pgettext_lazy("inbox", "Dispute"),
    "ticket": pgettext_lazy("inbox", "Ticket"),
    "info_request": pgettext_lazy("inbox", "Question"),
}

_ROLES = {
    "buyer": pgettext_lazy("role", "Buyer"),
    "seller": pgettext_lazy("role", "Seller"),
    "staff": pgettext_lazy("role", "Administration"),
}


@cache
def _labels() -> dict[str, Any]:
    from catalog.models import Listing
    from disputes.models import DecisionOutcome, InfoRequest, Proposal, ProposalKind, Reason
    from disputes.outcomes import FINDING_LABELS
    from orders.models import Order
    from policy.labels import RULES

    return {
        **dict(Listing.Kind.choices),
        **_ROLES,
        **_INBOX,
        **dict(Order.Status.choices),
        **dict(Proposal.Status.choices),
        **dict(InfoRequest.Status.choices),
        **dict(Reason.choices),
        **dict(ProposalKind.choices),
        **dict(DecisionOutcome.choices),
        **FINDING_LABELS,
        **RULES,
    }


@register.filter
def rule_text(stored: dict[str, str], order: Any) -> str:
    """`{{ r|rule_text:order }}`: a rule of a statement of reasons in the reader's language,
    from the order's pinned policy (the statement stores it in English)."""
    from disputes.reasons import told

    return told(order.policy, stored)


_DECIDED_KINDS = {
    "agreement": pgettext_lazy("decided by", "agreement"),
    "administrator": pgettext_lazy("decided by", "administrator"),
    "timeout": pgettext_lazy("decided by", "timeout"),
    "forfeit": pgettext_lazy("decided by", "forfeit"),
    "withdrawal": pgettext_lazy("decided by", "withdrawal"),
}


@register.filter
def decided_kind(value: str | None) -> str:
    """How a dispute was decided (`Dispute.DecidedBy`), in the reader's words."""
    known = _DECIDED_KINDS.get(value or "")
    return str(known) if known is not None else (value or "")


# The ledger's codes as a page names them, in English as the ledger's own labels read (the
# ledger keeps bare codes).
_LEDGER = {
    "deposit": pgettext_lazy("ledger", "Deposit"),
    "order_funded": pgettext_lazy("ledger", "Order Funded"),
    "order_settled": pgettext_lazy("ledger", "Order Settled"),
    "withdrawal_requested": pgettext_lazy("ledger", "Withdrawal Requested"),
    "withdrawal_paid": pgettext_lazy("ledger", "Withdrawal Paid"),
    "withdrawal_failed": pgettext_lazy("ledger", "Withdrawal Failed"),
    "hold_released": pgettext_lazy("ledger", "Hold Released"),
    "warranty_settled": pgettext_lazy("ledger", "Warranty Settled"),
    "chargeback": pgettext_lazy("ledger", "Chargeback"),
    "wallet": pgettext_lazy("ledger", "Wallet"),
    "escrow": pgettext_lazy("ledger", "Escrow"),
    "platform_fees": pgettext_lazy("ledger", "Platform Fees"),
    "clearing": pgettext_lazy("ledger", "Clearing"),
    "withdrawing": pgettext_lazy("ledger", "Withdrawing"),
    "held": pgettext_lazy("ledger", "Held"),
}


@register.filter
def ledger_label(value: str | None) -> str:
    """`{{ e.transaction.kind|ledger_label }}`: a ledger transaction's or account's kind, in the
    reader's language."""
    known = _LEDGER.get(value or "")
    return str(known) if known is not None else (value or "").replace("_", " ").title()
