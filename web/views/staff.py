"""The administration's pages: one inbox, the case view, mediation. Staff only."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext

from accounts.models import User
from core import clock
from core.errors import DomainError, Forbidden, ValidationFailed
from desk import queries as inbox
from disputes import actions, guidance, mediation, queries, read_model
from disputes.models import DecisionOutcome, Dispute, Reason
from disputes.outcomes import has_delivery
from disputes.verdicts import party_of
from ledger import queries as ledger_queries
from policy import rules
from tickets import queries as ticket_queries
from web.auth import me
from web.errors import back, posted
from web.forms import amount_in_minor_units
from web.presenters import obligations


def staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged-in staff only; anyone else is refused (403), never shown the page."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not me(request).is_staff:
            raise Forbidden(gettext("This page is for the administration."))
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
def inbox_view(request: HttpRequest) -> HttpResponse:
    staff = list(ticket_queries.staff_members())
    filters = inbox.Filters.from_query(request.GET, viewer=me(request), staff={s.username for s in staff})
    now = clock.now()
    return render(
        request,
        "web/staff_inbox.html",
        {
            "page": inbox.page(filters, now=now),
            "now": now,
            "filters": filters,
            "kinds": inbox.KINDS,
            "statuses": inbox.STATUSES,
            "staff": staff,
            "nav": "staff",
            "reasons": Reason.choices,
        },
    )


@staff_only
def case_view(request: HttpRequest, public_id: str) -> HttpResponse:
    user = me(request)
    dispute = _mediated(user, public_id)
    order = dispute.order
    case = read_model.case_view(dispute, viewer=user, now=clock.now())
    return render(
        request,
        "web/staff_case.html",
        {
            "case": case,
            "dispute": dispute,
            "order": order,
            "label": case.status_label,
            "verdicts": case.verdicts,
            "obligations": obligations(case.deadlines, order, user),
            "applicable": guidance.applicable_rules(dispute),
            "rules": rules.describe(order.policy),
            "proposals": [(p.row, p.preview) for p in case.proposals],
            "evidence": case.evidence,
            "info_requests": [q.row for q in case.questions],
            "record": queries.case_record(order.pk, case.timeline),
            "ledger_lines": ledger_queries.order_entries(order.pk),
            "staff": User.objects.filter(is_staff=True).order_by("username"),
            "delivered": has_delivery(dispute),
            "findings": FINDING_LABELS,
            "outcomes": DecisionOutcome.choices,
            "nav": "staff",
        },
    )


# The findings a mediator can record (disputes.outcomes.FINDINGS; `seller_error` is its own box).
FINDING_LABELS = (
    ("defective", "The item was defective (the seller keeps nothing on a return)"),
    ("not_as_described", "The item was not as described (the seller keeps nothing on a return)"),
    ("not_delivered", "It was not delivered, whatever the record says"),
    ("delivered", "It reached the buyer although no delivery is on record"),
)


def _decision_terms(request: HttpRequest, dispute: Dispute) -> dict[str, Any]:
    data = request.POST if request.method == "POST" else request.GET
    try:
        amount = data.get("refund_amount") or None
        keep = data.get("seller_keep_percent") or None
        return {
            "outcome": data.get("outcome", ""),
            "refund_amount": amount_in_minor_units(Decimal(amount), dispute.order.currency) if amount else None,
            "keep_percent": int(keep) if keep else None,
            "seller_error": data.get("seller_error") in ("on", "true", "1"),
            "findings": data.getlist("findings"),
        }
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            gettext("Enter the amount as a number like 12.50 and the share as a whole percentage.")
        ) from None


def _mediated(user: User, public_id: str) -> Dispute:
    """A case as its mediators see it; refused to a staff member who is a party to it, who
    sees it only as that party."""
    dispute = queries.get_dispute_for(user, public_id)
    if party_of(dispute, user) is not None:
        raise Forbidden(
            gettext(
                "You are a party to this case, so you see it as that party (on the dispute's own page), "
                "not as its mediator."
            )
        )
    return dispute


@staff_only
def decision_preview(request: HttpRequest, public_id: str) -> HttpResponse:
    """The dry run of a decision: the exact split, or why it would be refused."""
    dispute = _mediated(me(request), public_id)
    try:
        _, split = mediation.preview_decision(dispute=dispute, by=me(request), **_decision_terms(request, dispute))
    except DomainError as exc:
        return render(request, "web/_split.html", {"error": exc.detail})
    return render(request, "web/_split.html", {"split": split})


@posted(staff_only)
def decide(request: HttpRequest, public_id: str) -> HttpResponse:
    dispute = queries.get_dispute_for(me(request), public_id)
    terms = _decision_terms(request, dispute)
    mediation.decide(
        dispute_id=dispute.pk,
        by=me(request),
        outcome=terms["outcome"],
        refund_amount=terms["refund_amount"],
        seller_keep_percent=terms["keep_percent"],
        seller_error=terms["seller_error"],
        findings=terms["findings"],
        note=request.POST.get("note", ""),
    )
    decided = queries.get_dispute_for(me(request), public_id)
    if decided.status == Dispute.Status.DECIDED:
        messages.success(
            request,
            gettext(
                "Decision recorded; both parties have been told. It takes effect on "
                "%(appeal_until)s UTC unless a party appeals (or at once when both accept)."
            )
            % {"appeal_until": f"{decided.appeal_until:%d %b %Y %H:%M}"},
        )
    else:
        messages.success(request, gettext("Decision recorded; both parties have been told."))
    if request.POST.get("then") == "next":
        return redirect(f"{reverse('web:staff_next')}?from={public_id}")
    return redirect("web:staff_case", public_id=public_id)


@posted(staff_only)
def request_info(request: HttpRequest, public_id: str) -> HttpResponse:
    dispute = queries.get_dispute_for(me(request), public_id)
    mediation.request_info(
        dispute_id=dispute.pk,
        by=me(request),
        party=request.POST.get("party", ""),
        question=request.POST.get("question", ""),
    )
    messages.success(request, gettext("Question sent. The deadline is running."))
    return redirect("web:staff_case", public_id=public_id)


@posted(staff_only)
def assign(request: HttpRequest, public_id: str) -> HttpResponse:
    dispute = queries.get_dispute_for(me(request), public_id)
    name = request.POST.get("assignee", "") or None
    mediation.assign(dispute_id=dispute.pk, by=me(request), assignee=name)
    messages.success(request, f"Assigned to {name}." if name else "Case released.")
    return back(request, reverse("web:staff_case", args=[public_id]))


@posted(staff_only)
def staff_message(request: HttpRequest, public_id: str) -> HttpResponse:
    dispute = queries.get_dispute_for(me(request), public_id)
    actions.post_message(dispute_id=dispute.pk, by=me(request), body=request.POST.get("body", ""))
    return redirect(reverse("web:staff_case", args=[public_id]) + "#record")
