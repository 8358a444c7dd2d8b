from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from chat import actions as chat_actions
from chat import queries as chat_queries
from core import clock, timeline
from core.errors import ValidationFailed
from core.pagination import keyset_page
from ledger import queries as ledger_queries
from orders import actions, queries
from web import lists, live
from web.auth import me
from web.errors import posted
from web.forms import CancelForm, DeliverForm, MessageForm
from web.live import live_page
from web.presenters import obligations

TABS = {"purchases": "buyer", "sales": "seller"}


@login_required
def order_list(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "purchases")
    if tab not in TABS:
        tab = "purchases"
    user = me(request)
    qs = chat_queries.with_unread_counts(queries.orders_for(user, role=TABS[tab]), user)
    page = keyset_page(qs, cursor=request.GET.get("cursor"), limit=25)
    steps = lists.order_steps(page.items, user)
    return render(
        request,
        "web/orders.html",
        {
            "page": page,
            "rows": [(o, steps[o.pk]) for o in page.items],
            "tab": tab,
            "counts": {key: queries.orders_for(user, role=role).count() for key, role in TABS.items()},
            "nav": "orders",
        },
    )


@login_required
@live_page(live.order_version)
def order_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = me(request)
    order = queries.get_order_for(user, public_id)
    chat = list(chat_queries.thread(order.pk, "order"))
    if chat:
        chat_actions.mark_read(user=user, order_id=order.pk, channel="order", up_to=chat[-1].pk)
    view = queries.order_view(order, viewer=user, now=clock.now())
    return render(
        request,
        "web/order_detail.html",
        {
            "order": order,
            "roles": view.roles,
            "verdicts": view.verdicts,
            "obligations": obligations(view.deadlines, order, user),
            "timeline": timeline.for_case(order.pk),
            "chat": chat,
            "ledger_lines": ledger_queries.order_entries(order.pk),
            "deliver_form": DeliverForm(),
            "cancel_form": CancelForm(),
            "chat_last_id": chat[-1].pk if chat else 0,
            "dispute": order.disputes.order_by("-id").first(),
            "release": view.release,
            "nav": "orders",
        },
    )


@login_required
def order_chat(request: HttpRequest, public_id: str) -> HttpResponse:
    """The chat's new messages, for HTMX polling (`?after=<last message id>`)."""
    order = queries.get_order_for(me(request), public_id)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        raise ValidationFailed(_("after must be a message number")) from None
    new = list(chat_queries.thread(order.pk, "order", after_id=after))
    if new:
        chat_actions.mark_read(user=me(request), order_id=order.pk, channel="order", up_to=new[-1].pk)
    return render(
        request,
        "web/_chat_poll.html",
        {
            "messages_": new,
            "poll_url": request.path,
            "last_id": new[-1].pk if new else after,
        },
    )


@posted()
def order_message(request: HttpRequest, public_id: str) -> HttpResponse:
    order = queries.get_order_for(me(request), public_id)
    form = MessageForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("Write a message of at most 5000 characters."))
    actions.post_message(order_id=order.pk, by=me(request), body=form.cleaned_data["body"])
    return redirect(f"{order_url(order.public_id)}#chat")


@posted()
def order_deliver(request: HttpRequest, public_id: str) -> HttpResponse:
    order = queries.get_order_for(me(request), public_id)
    form = DeliverForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("The delivery note is too long."))
    actions.deliver(order_id=order.pk, by=me(request), note=form.cleaned_data["note"])
    messages.success(request, _("Marked as delivered. The buyer has been told."))
    return redirect(order_url(public_id))


@posted()
def order_confirm(request: HttpRequest, public_id: str) -> HttpResponse:
    order = queries.get_order_for(me(request), public_id)
    actions.confirm(order_id=order.pk, by=me(request))
    messages.success(request, _("Thank you. The order is complete and the seller has been paid."))
    return redirect(order_url(public_id))


@posted()
def order_cancel(request: HttpRequest, public_id: str) -> HttpResponse:
    order = queries.get_order_for(me(request), public_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.cancel(order_id=order.pk, by=me(request), reason=reason)
    messages.success(request, _("The order was cancelled and the buyer refunded in full."))
    return redirect(order_url(public_id))


def order_url(public_id: str) -> str:
    return reverse("web:order", args=[public_id])
