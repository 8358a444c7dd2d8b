from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core import clock
from core.errors import DomainError, ValidationFailed
from core.pagination import keyset_page
from policy.active import configured_policy
from policy.rules import humane
from tickets import actions, queries
from tickets.attachments import download_response
from tickets.models import Ticket
from tickets.verdicts import verdict
from web import lists, live
from web.auth import me
from web.errors import add_to_form, back, posted
from web.forms import LinkDisputeForm, TicketForm, TicketReplyForm
from web.live import live_page


@login_required
def ticket_list(request: HttpRequest) -> HttpResponse:
    user = me(request)
    qs = queries.tickets_for(user, own_only=True)
    page = keyset_page(qs, cursor=request.GET.get("cursor"), limit=25)
    answer_within = humane(configured_policy().ticket_first_response_target)
    steps = lists.ticket_steps(page.items, user)
    return render(
        request,
        "web/tickets.html",
        {
            "page": page,
            "rows": [(t, steps[t.pk]) for t in page.items],
            "answer_within": answer_within,
            "nav": "tickets",
        },
    )


@login_required
def ticket_new(request: HttpRequest) -> HttpResponse:
    user = me(request)
    order = request.GET.get("order", "")
    form = TicketForm(
        request.POST or None,
        request.FILES or None,
        orders=queries.orders_to_ask_about(user),
        initial={"order_id": order, "category": "order" if order else "other"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            ticket = actions.open_ticket(
                by=user,
                subject=form.cleaned_data["subject"],
                category=form.cleaned_data["category"],
                body=form.cleaned_data["body"],
                order_public_id=form.cleaned_data["order_id"] or None,
                files=form.cleaned_data["attachments"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Your ticket is open. We will let you know when we answer."))
            return redirect("web:ticket", public_id=ticket.public_id)
    answer_within = humane(configured_policy().ticket_first_response_target)
    return render(request, "web/ticket_form.html", {"form": form, "answer_within": answer_within, "nav": "tickets"})


@login_required
@live_page(live.ticket_version)
def ticket_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = me(request)
    ticket = queries.get_ticket_for(user, public_id)
    view = queries.ticket_view(ticket, viewer=user, now=clock.now())
    staff_view = view.staff_view
    return render(
        request,
        "web/ticket_detail.html",
        {
            "ticket": ticket,
            "thread": queries.messages_for(ticket, user),
            "verdicts": view.verdicts,
            "reply_verdict": view.reply_verdict,
            "staff_view": staff_view,
            "breached": view.breached,
            "answer_within": humane(ticket.policy.ticket_first_response_target),
            "staff_members": queries.staff_members() if staff_view else [],
            "nav": "staff" if staff_view else "tickets",
        },
    )


@posted()
def ticket_reply(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = queries.get_ticket_for(me(request), public_id)
    form = TicketReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ValidationFailed(_("Write a message of at most 5000 characters."))
    body, files = form.cleaned_data["body"], form.cleaned_data["attachments"]
    if form.cleaned_data["internal"]:
        actions.add_internal_note(ticket_id=ticket.pk, by=me(request), body=body, files=files)
        messages.success(request, _("Internal note added. Only the administration sees it."))
    else:
        actions.reply(ticket_id=ticket.pk, by=me(request), body=body, files=files)
        messages.success(request, _("Reply sent."))
    return redirect(ticket_url(public_id) + "#thread")


@posted()
def ticket_resolve(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = queries.get_ticket_for(me(request), public_id)
    actions.resolve(ticket_id=ticket.pk, by=me(request))
    messages.success(request, _("The ticket is resolved. A reply reopens it."))
    return redirect(ticket_url(public_id))


@posted()
def ticket_reopen(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = queries.get_ticket_for(me(request), public_id)
    actions.reopen(ticket_id=ticket.pk, by=me(request))
    messages.success(request, _("The ticket is open again."))
    return redirect(ticket_url(public_id))


@posted()
def ticket_assign(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = queries.get_ticket_for(me(request), public_id)
    assignee = request.POST.get("assignee", "").strip() or None
    ticket = actions.assign(ticket_id=ticket.pk, by=me(request), assignee_username=assignee)
    who = ticket.assignee.username if ticket.assignee else "nobody"
    messages.success(
        request, _("Ticket %(public_id)s is assigned to %(who)s.") % {"public_id": ticket.public_id, "who": who}
    )
    return back(request, ticket_url(public_id))


@posted()
def ticket_link_dispute(request: HttpRequest, public_id: str) -> HttpResponse:
    ticket = queries.get_ticket_for(me(request), public_id)
    form = LinkDisputeForm(request.POST)
    if not form.is_valid():
        raise ValidationFailed(_("A dispute id looks like dsp_…"))
    actions.link_dispute(ticket_id=ticket.pk, by=me(request), dispute_id=form.cleaned_data["dispute_id"])
    messages.success(request, _("Dispute link saved."))
    return redirect(ticket_url(public_id))


@login_required
def ticket_attachment(request: HttpRequest, public_id: str, attachment_id: str) -> FileResponse:
    found = queries.get_attachment_for(me(request), public_id, attachment_id)
    return download_response(file=found.file, name=found.name, content_type=found.content_type)


@login_required
def staff_queue(request: HttpRequest) -> HttpResponse:
    """The administration's ticket queue: waiting tickets first, by response target."""
    filters = {key: request.GET.get(key) or None for key in ("status", "assignee", "category")}
    user = me(request)
    queue = queries.staff_queue(
        user, now=clock.now(), status=filters["status"], assignee=filters["assignee"], category=filters["category"]
    )
    page = Paginator(queue, 50).get_page(request.GET.get("page"))
    takeable = {t.pk for t in page.object_list if t.assignee_id != user.pk and verdict(t, "assign", by=user).allowed}
    return render(
        request,
        "web/staff_tickets.html",
        {
            "page": page,
            "takeable": takeable,
            "filters": filters,
            "statuses": Ticket.Status.choices,
            "categories": Ticket.Category.choices,
            "nav": "staff",
        },
    )


def ticket_url(public_id: str) -> str:
    return reverse("web:ticket", args=[public_id])
