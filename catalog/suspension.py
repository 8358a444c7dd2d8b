"""A suspended seller's listings are hidden and cannot be ordered. Hiding is read from the
seller's `is_active` (`catalog.queries.browse`, `orders.actions.place_order`), never written
onto the listings, so reinstating lists again exactly what was listed before; these steps only
put it on each listing's timeline."""

from __future__ import annotations

from accounts.models import User
from catalog.models import Listing
from core import audit


def hide(seller: User, *, by: User) -> int:
    return _record(seller, "listing.hidden", by=by)


def show(seller: User, *, by: User) -> int:
    return _record(seller, "listing.shown", by=by)


def _record(seller: User, code: str, *, by: User) -> int:
    listings = list(Listing.objects.filter(seller=seller, is_active=True).order_by("id"))
    for listing in listings:
        audit.record(code, subject=listing, by=by, role="staff", data={"because": "seller_suspension"})
    return len(listings)
