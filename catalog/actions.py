"""Every write to listings."""

from __future__ import annotations

from datetime import timedelta

from django.utils.translation import gettext as _

from accounts import events as accounts_events
from accounts.models import User
from catalog.models import Listing
from core import audit, clock
from core.errors import NotFound, ValidationFailed
from core.money import MAX_AMOUNT, Money
from integrations.metadata import checked
from policy.active import configured_policy
from policy.rules import humane

# With the buyer's fee on top, an order's total must still be money Parley can hold.
MAX_PRICE = MAX_AMOUNT // 2


def _validate(*, title: str, description: str, kind: str, price: Money) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    if not title.strip():
        fields["title"] = ["A title is required."]
    elif len(title) > 120:
        fields["title"] = ["At most 120 characters."]
    if len(description) > 5000:
        fields["description"] = ["At most 5000 characters."]
    if kind not in Listing.Kind.values:
        fields["kind"] = [f"One of: {', '.join(Listing.Kind.values)}."]
    if price.amount <= 0:
        fields["price"] = ["The price must be more than zero."]
    elif price.amount > MAX_PRICE:
        fields["price"] = [f"The price can be at most {Money(MAX_PRICE, price.currency)}."]
    if price.currency not in configured_policy().currencies:
        fields["price"] = [f"This marketplace trades in {', '.join(configured_policy().currencies)}."]
    return fields


def _check_warranty(warranty: timedelta | None) -> None:
    """422 `warranty_too_long` beyond the policy's `max_warranty` (none: no warranties)."""
    if warranty is None or warranty == timedelta(0):
        return
    most = configured_policy().max_warranty
    if warranty < timedelta(0):
        raise ValidationFailed(_("A warranty cannot be negative."), fields={"warranty": ["must be positive"]})
    if most is None or warranty > most:
        allowed = "Listings here cannot offer a warranty." if most is None else f"At most {humane(most)}."
        raise ValidationFailed(
            _("The warranty is longer than this marketplace allows. %(allowed)s") % {"allowed": allowed},
            code="warranty_too_long",
            fields={"warranty": [allowed]},
        )


def create_listing(
    *,
    by: User,
    title: str,
    description: str,
    kind: str,
    price: Money,
    warranty: timedelta | None = None,
    metadata: dict[str, str] | None = None,
) -> Listing:
    fields = _validate(title=title, description=description, kind=kind, price=price)
    checked_metadata = checked(metadata)
    if fields:
        raise ValidationFailed(_("The listing is not valid."), fields=fields)
    _check_warranty(warranty)
    now = clock.now()
    listing = Listing.objects.create(
        seller=by,
        title=title.strip(),
        description=description.strip(),
        kind=kind,
        price_amount=price.amount,
        currency=price.currency,
        warranty=warranty or None,
        created_at=now,
        updated_at=now,
        metadata=checked_metadata,
    )
    audit.record(accounts_events.LISTING_CREATED, subject=listing, by=by, role="seller")
    return listing


def update_listing(
    *,
    listing_id: int,
    by: User,
    title: str,
    description: str,
    kind: str,
    price: Money,
    is_active: bool,
    warranty: timedelta | None = None,
) -> Listing:
    """Changes a listing. Orders already placed keep the snapshot their buyer saw. `warranty`
    None keeps the listing's warranty; "0d" removes it."""
    listing = Listing.objects.filter(pk=listing_id, seller=by).first()
    if listing is None:
        raise NotFound(_("No such listing of yours."))
    fields = _validate(title=title, description=description, kind=kind, price=price)
    if fields:
        raise ValidationFailed(_("The listing is not valid."), fields=fields)
    before = _shown(listing)
    listing.title, listing.description, listing.kind = title.strip(), description.strip(), kind
    listing.price_amount, listing.currency, listing.is_active = price.amount, price.currency, is_active
    if warranty is not None:
        _check_warranty(warranty)
        listing.warranty = warranty or None
    listing.updated_at = clock.now()
    listing.save()
    after = _shown(listing)
    changes = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    audit.record(accounts_events.LISTING_UPDATED, subject=listing, by=by, role="seller", data={"changes": changes})
    if changes:
        # An edit while a dispute is open belongs on that case's timeline (what the buyer saw
        # is the order's snapshot; the case file shows what changed after).
        from disputes.evidence_trail import listing_changed

        listing_changed(listing=listing, by=by, changes=changes)
    return listing


def _shown(listing: Listing) -> dict[str, str]:
    """What a buyer reads of a listing, as text, to compare before and after an edit."""
    return {
        "title": listing.title,
        "description": listing.description,
        "kind": listing.kind,
        "price": Money(listing.price_amount, listing.currency).format(),
        "listed": "yes" if listing.is_active else "no",
    }
