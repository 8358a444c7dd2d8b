"""Small view-model helpers: how the UI names parties and deadlines for the person looking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from orders.models import Order


def who(party: str | None, order: Order, viewer: User) -> str:
    if party == "buyer":
        if order.buyer_id == viewer.pk:
            return _("You")
        return _("The buyer (%(username)s)") % {"username": order.buyer.username}
    if party == "seller":
        if order.seller_id == viewer.pk:
            return _("You")
        return _("The seller (%(username)s)") % {"username": order.seller.username}
    if party == "staff":
        return _("The administration")
    return _("Both sides")


@dataclass(frozen=True, slots=True)
class Obligation:
    """A deadline as a person reads it: who must act, by when, and what happens otherwise."""

    name: str
    at: datetime
    who: str
    mine: bool
    consequence: str
    both: bool = False  # nobody in particular: the two sides are to agree


def obligations(deadlines: Sequence[Any], order: Order, viewer: User) -> list[Obligation]:
    rows = []
    for d in deadlines:
        mine = (d.party == "buyer" and order.buyer_id == viewer.pk) or (
            d.party == "seller" and order.seller_id == viewer.pk
        )
        both = d.party not in ("buyer", "seller", "staff")
        rows.append(Obligation(d.name, d.at, who(d.party, order, viewer), mine, d.consequence, both))
    return rows
