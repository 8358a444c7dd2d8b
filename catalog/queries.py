from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from catalog.models import Listing
from core.errors import NotFound


def browse(*, seller: User | None = None, include_inactive: bool = False) -> QuerySet[Listing]:
    qs = Listing.objects.select_related("seller")
    if seller is not None:
        qs = qs.filter(seller=seller)
    if not include_inactive:
        # A suspended seller's listings are hidden (PRODUCT.md §14); the seller's own view
        # (`include_inactive`) still shows them.
        qs = qs.filter(is_active=True, seller__is_active=True)
    return qs


def get_listing(public_id: str, *, viewer: User | None = None) -> Listing:
    """A listing anyone may see (active), or the seller's own inactive one."""
    listing = Listing.objects.select_related("seller").filter(public_id=public_id).first()
    if listing is None or (not listing.is_active and listing.seller != viewer):
        raise NotFound(_("No such listing."))
    return listing
