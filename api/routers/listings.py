from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool, field_validator

from api.permissions import caller
from api.schemas import ERRORS, MoneyIn, MoneyOut
from catalog import actions, queries
from catalog.models import Listing
from core import limits
from core.pagination import keyset_page
from integrations.metadata import METADATA_HELP
from policy.rules import format_duration
from policy.schema import parse_duration

router = Router(tags=["listings"])


class ListingIn(Schema):
    title: str = Field(min_length=1, max_length=limits.TITLE)
    description: str = Field(default="", max_length=limits.LONG_TEXT)
    kind: Literal["product", "service"]
    price: MoneyIn
    warranty: str | None = Field(
        default=None,
        description='How long after completion the buyer may still dispute for a warranty reason ("7d"); '
        "at most the policy's max_warranty (422 `warranty_too_long`).",
    )

    @field_validator("warranty")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None:
            parse_duration(value)
        return value

    metadata: dict[str, Any] | None = Field(default=None, description=METADATA_HELP)


class ListingUpdateIn(ListingIn):
    is_active: StrictBool = True


class ListingOut(Schema):
    id: str
    title: str
    description: str
    kind: str
    price: MoneyOut
    seller: str
    seller_id: str
    is_active: bool
    available: bool = Field(description="Can be ordered now: active, and its seller is not suspended.")
    created_at: datetime
    warranty: str | None = None
    metadata: dict[str, str]

    @classmethod
    def of(cls, listing: Listing) -> ListingOut:
        return cls(
            id=listing.public_id,
            title=listing.title,
            description=listing.description,
            kind=listing.kind,
            price=MoneyOut.of(listing.price),
            seller=listing.seller.username,
            seller_id=listing.seller.public_id,
            metadata=listing.metadata or {},
            is_active=listing.is_active,
            available=listing.is_active and listing.seller.is_active,
            created_at=listing.created_at,
            warranty=format_duration(listing.warranty),
        )


class ListingPage(Schema):
    items: list[ListingOut]
    next_cursor: str | None


@router.post("/listings", response={201: ListingOut, **ERRORS})
def create(request: HttpRequest, payload: ListingIn) -> Status[ListingOut]:
    listing = actions.create_listing(
        by=caller(request),
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        price=payload.price.to_money(),
        warranty=parse_duration(payload.warranty),
        metadata=payload.metadata,
    )
    return Status(201, ListingOut.of(listing))


@router.get("/listings", response={200: ListingPage, **ERRORS}, auth=None)
def browse(request: HttpRequest, cursor: str | None = None, limit: int | None = None) -> ListingPage:
    page = keyset_page(queries.browse(), cursor=cursor, limit=limit)
    return ListingPage(items=[ListingOut.of(x) for x in page.items], next_cursor=page.next_cursor)


@router.get("/listings/{listing_id}", response={200: ListingOut, **ERRORS}, auth=None)
def detail(request: HttpRequest, listing_id: str) -> ListingOut:
    return ListingOut.of(queries.get_listing(listing_id))


@router.put("/listings/{listing_id}", response={200: ListingOut, **ERRORS})
def update(request: HttpRequest, listing_id: str, payload: ListingUpdateIn) -> ListingOut:
    user = caller(request)
    listing = queries.get_listing(listing_id, viewer=user)
    updated = actions.update_listing(
        listing_id=listing.pk,
        by=user,
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        price=payload.price.to_money(),
        is_active=payload.is_active,
        warranty=parse_duration(payload.warranty),
    )
    return ListingOut.of(updated)
