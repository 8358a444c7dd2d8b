from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import User
from catalog import actions, queries
from core.errors import DomainError, Forbidden, ValidationFailed
from core.money import Money, MoneyError
from core.pagination import keyset_page
from orders import actions as order_actions
from policy.active import configured_policy
from policy.rules import buyer_fee
from web.auth import me
from web.errors import add_to_form, posted
from web.forms import ListingForm


def browse(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1" and request.user.is_authenticated
    seller = me(request) if mine else None
    qs = queries.browse(seller=seller, include_inactive=mine)
    page = keyset_page(qs, cursor=request.GET.get("cursor"), limit=24)
    return render(request, "web/listings.html", {"page": page, "mine": mine, "nav": "listings"})


def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    viewer = request.user if isinstance(request.user, User) else None
    listing = queries.get_listing(public_id, viewer=viewer)
    fee = buyer_fee(configured_policy(), listing.price)
    total = listing.price + fee
    return render(
        request,
        "web/listing_detail.html",
        {
            "listing": listing,
            "fee": fee,
            "total": total,
            # The Buy form sends back the total it shows; the order is refused if it changed.
            "expected_total": f"{total.amount} {total.currency}",
            "nav": "listings",
        },
    )


@login_required
def create(request: HttpRequest) -> HttpResponse:
    form = ListingForm(request.POST or None, initial={"currency": configured_policy().currencies[0]})
    if request.method == "POST" and form.is_valid():
        try:
            listing = actions.create_listing(
                by=me(request),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                kind=form.cleaned_data["kind"],
                price=form.money(),
                warranty=form.cleaned_data.get("warranty"),
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Your listing is live."))
            return redirect("web:listing", public_id=listing.public_id)
    return render(request, "web/listing_form.html", {"form": form, "nav": "listings"})


@login_required
def edit(request: HttpRequest, public_id: str) -> HttpResponse:
    listing = queries.get_listing(public_id, viewer=me(request))
    if listing.seller_id != me(request).pk:
        raise Forbidden(_("Only the seller can edit a listing."))
    initial = {
        "title": listing.title,
        "description": listing.description,
        "kind": listing.kind,
        "amount": listing.price.to_major(),
        "currency": listing.currency,
        "is_active": listing.is_active,
    }
    form = ListingForm(request.POST or None, initial=initial)
    del form.fields["warranty"]  # set when listing; orders already placed keep their own copy
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_listing(
                listing_id=listing.pk,
                by=me(request),
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                kind=form.cleaned_data["kind"],
                price=form.money(),
                is_active=form.cleaned_data["is_active"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Listing saved. Orders already placed keep what their buyers saw."))
            return redirect("web:listing", public_id=listing.public_id)
    return render(request, "web/listing_form.html", {"form": form, "listing": listing, "nav": "listings"})


@posted()
def buy(request: HttpRequest, public_id: str) -> HttpResponse:
    listing = queries.get_listing(public_id)
    expected = _shown_total(request.POST.get("expected_total", ""))
    order = order_actions.place_order(by=me(request), listing_id=listing.pk, expected_total=expected)
    messages.success(
        request, _("Paid. %(total)s is held in escrow until you confirm delivery.") % {"total": order.total}
    )
    return redirect("web:order", public_id=order.public_id)


def _shown_total(value: str) -> Money:
    """The total the Buy form showed (`"1050 USD"`: minor units and currency)."""
    try:
        amount, currency = value.split()
        return Money(int(amount), currency)
    except (ValueError, MoneyError):
        raise ValidationFailed(_("The price shown could not be read. Reload the listing and try again.")) from None
