"""What the list pages and the dashboard show beside each order, dispute and ticket: who must
act next and by when ("respond by"), read with the domains' own deadline queries, one batch
per page (no query per row)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core import clock
from disputes import queries as dispute_queries
from disputes import read_model
from disputes.models import Dispute
from disputes.read_model import CaseSummary
from orders import queries as order_queries
from orders.models import Order
from tickets import queries as ticket_queries
from tickets.models import Ticket
from tickets.queries import TicketView

ACTIVE_ORDERS = (Order.Status.PAID, Order.Status.DELIVERED)
# What passes by itself without asking anyone to act: shown on the case's page, not as "respond by".
NOT_A_DUTY = {"warranty_ends", "proceeds_released"}
DASHBOARD_LIMIT = 50


@dataclass(frozen=True, slots=True)
class NextStep:
    """The soonest deadline on a case: who acts, by when, what happens otherwise."""

    at: datetime
    who: str
    mine: bool
    consequence: str


@dataclass(frozen=True, slots=True)
class Waiting:
    """A row of the dashboard: a case where the viewer must act."""

    kind: str  # "order", "dispute" or "ticket"
    title: str
    counterpart: str
    status: str
    status_class: str
    url: str
    step: NextStep | None


def _party_name(party: str | None, buyer: User, seller: User, viewer: User) -> tuple[str, bool]:
    if party == "buyer":
        return (_("You"), True) if buyer.pk == viewer.pk else (buyer.username, False)
    if party == "seller":
        return (_("You"), True) if seller.pk == viewer.pk else (seller.username, False)
    if party == "staff":
        return _("The administration"), bool(viewer.is_staff) and viewer.pk not in (buyer.pk, seller.pk)
    return _("Nobody"), False


def _first(views: Sequence[Any], buyer: User, seller: User, viewer: User) -> NextStep | None:
    """The viewer's own soonest deadline if there is one, else the soonest anybody has."""
    steps = []
    for v in views:
        if v.name in NOT_A_DUTY:
            continue
        name, mine = _party_name(v.party, buyer, seller, viewer)
        steps.append(NextStep(at=v.at, who=name, mine=mine, consequence=v.consequence))
    own = [s for s in steps if s.mine]
    return (own or steps)[0] if steps else None


def order_steps(orders: Sequence[Order], viewer: User) -> dict[int, NextStep | None]:
    views = order_queries.deadlines_of_many(orders)
    return {o.pk: _first(views[o.pk], o.buyer, o.seller, viewer) for o in orders}


def case_step(case: CaseSummary, viewer: User) -> NextStep | None:
    """A dispute's "respond by" from its read model (the deadlines it read at its instant)."""
    return _first(case.deadlines, case.order.buyer, case.order.seller, viewer)


def ticket_step(view: TicketView, viewer: User) -> NextStep | None:
    """From the ticket's read model: an answered ticket waits for its owner until it closes by
    itself; an open one waits for the administration until its response target."""
    if view.waiting_on == "owner":
        for d in view.deadlines:
            return NextStep(at=d.at, who=_("You"), mine=view.ticket.owner_id == viewer.pk, consequence=d.consequence)
    if view.waiting_on == "staff" and view.response_due is not None:
        return NextStep(
            at=view.response_due, who=_("The administration"), mine=False, consequence=_("an answer is due")
        )
    return None


def ticket_steps(tickets: Sequence[Ticket], viewer: User) -> dict[int, NextStep | None]:
    views = ticket_queries.ticket_views(tickets, viewer=viewer, now=clock.now())
    return {v.ticket.pk: ticket_step(v, viewer) for v in views}


def waiting_for(viewer: User) -> list[Waiting]:
    """Everything where the viewer must act, soonest deadline first: orders with a deadline of
    theirs, disputes waiting on their side, tickets the administration answered."""
    rows: list[Waiting] = []
    own = Q(buyer=viewer) | Q(seller=viewer)  # staff too: their own orders, not everyone's
    orders = list(
        order_queries.orders_for(viewer).filter(own, status__in=ACTIVE_ORDERS).order_by("-id")[:DASHBOARD_LIMIT]
    )
    for order, step in zip(orders, order_steps(orders, viewer).values(), strict=True):
        if step is None or not step.mine:
            continue
        buyer = order.buyer_id == viewer.pk
        rows.append(
            Waiting(
                kind="order",
                title=order.listing_snapshot.get("title", order.public_id),
                counterpart=order.seller.username if buyer else order.buyer.username,
                status=order.get_status_display(),
                status_class=order.status,
                url=reverse("web:order", args=[order.public_id]),
                step=step,
            )
        )
    # Those waiting on the viewer, chosen by the database before the page's limit, so a seller
    # with many open disputes still sees every one that needs their move.
    mine = (
        dispute_queries.disputes_for(viewer, tab="open")
        .filter(Q(order__buyer=viewer, waiting_on_buyer=True) | Q(order__seller=viewer, waiting_on_seller=True))
        .order_by("id")
    )
    for case in read_model.case_summaries(list(mine[:DASHBOARD_LIMIT]), viewer=viewer, now=clock.now()):
        if case.party not in case.waiting_on:
            continue
        step = case_step(case, viewer)
        order, public_id = case.order, case.dispute.public_id
        rows.append(
            Waiting(
                kind="dispute",
                title=order.listing_snapshot.get("title", public_id),
                counterpart=order.seller.username if case.party == "buyer" else order.buyer.username,
                status=case.status_label,
                status_class=case.dispute.status,
                url=reverse("web:dispute", args=[public_id]),
                step=step if step is not None and step.mine else None,
            )
        )
    answered = ticket_queries.tickets_for(viewer, status=Ticket.Status.ANSWERED, own_only=True)[:DASHBOARD_LIMIT]
    for view in ticket_queries.ticket_views(list(answered), viewer=viewer, now=clock.now()):
        ticket = view.ticket
        rows.append(
            Waiting(
                kind="ticket",
                title=ticket.subject,
                counterpart=_("The administration"),
                status=ticket.get_status_display(),
                status_class=ticket.status,
                url=reverse("web:ticket", args=[ticket.public_id]),
                step=ticket_step(view, viewer),
            )
        )
    # Soonest deadline first; rows without one last, in the order found.
    return sorted(rows, key=lambda w: (0, w.step.at.timestamp()) if w.step else (1, 0.0))


def dashboard_counts(viewer: User) -> dict[str, int]:
    """How many of the viewer's own cases are open, for the dashboard's tiles."""
    own = Q(buyer=viewer) | Q(seller=viewer)
    counts = {
        "orders": order_queries.orders_for(viewer).filter(own, status__in=ACTIVE_ORDERS).count(),
        "disputes": dispute_queries.disputes_for(viewer, tab="open")
        .filter(Q(order__buyer=viewer) | Q(order__seller=viewer))
        .count(),
        "tickets": ticket_queries.tickets_for(viewer, own_only=True).exclude(status=Ticket.Status.RESOLVED).count(),
    }
    if viewer.is_staff:
        counts["staff"] = Dispute.objects.filter(waiting_on_staff=True).exclude(status=Dispute.Status.RESOLVED).count()
    return counts
