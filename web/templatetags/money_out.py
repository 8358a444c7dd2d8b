"""Sentences about holds and warranties, for the listing and order pages."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import template

from orders.models import Order
from policy.active import configured_policy
from policy.rules import humane
from policy.schema import Policy

register = template.Library()


def _covers(policy: Policy) -> str:
    reasons = {"account_recovered": "the seller recovers the account", "key_revoked": "the key is revoked"}
    return " or ".join(reasons.get(r, r.replace("_", " ")) for r in policy.warranty_reasons) or "nothing"


@register.simple_tag
def listing_warranty(warranty: timedelta | None) -> str:
    if not warranty:
        return ""
    policy = configured_policy()
    return (
        f"Warranty: {humane(warranty)} after the order completes. During it you may still open a dispute "
        f"if {_covers(policy)}; the seller's proceeds stay held until it ends."
    )


@register.simple_tag
def order_warranty(order: Order) -> str:
    if not order.warranty:
        return ""
    covers = _covers(order.policy)
    if order.completed_at is None:
        return f"Warranty: {humane(order.warranty)} after completion, if {covers}."
    ends: datetime = order.completed_at + order.warranty
    return f"Warranty until {ends:%d %b %Y %H:%M} UTC: you may open a dispute if {covers}."
