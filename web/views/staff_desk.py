"""A mediator's day beside the inbox: taking many cases at once, the next case, internal notes
on a dispute, and the canned replies the administration keeps. Staff only; the rules are in
`desk` and `disputes.actions`."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core import clock
from core.errors import NotFound
from desk import actions as desk_actions
from desk import canned
from desk import queries as desk_queries
from desk.models import CannedReply
from disputes import actions as dispute_actions
from disputes import queries as dispute_queries
from web.auth import me
from web.errors import back, posted, refusals_as_messages
from web.views.staff import staff_only


@require_POST
@staff_only
def bulk_take(request: HttpRequest) -> HttpResponse:
    """Takes every ticked case, each through the case's own assign action; reports which were
    refused and why."""
    result = desk_actions.take_cases(by=me(request), public_ids=request.POST.getlist("case")[: desk_actions.MAX_BULK])
    if result.taken:
        count = len(result.taken)
        messages.success(
            request, ngettext("You took %(count)d case.", "You took %(count)d cases.", count) % {"count": count}
        )
    for public_id, why in result.refused.items():
        messages.error(request, _("%(case)s was not taken: %(why)s") % {"case": public_id, "why": why})
    if not result.taken and not result.refused:
        messages.info(request, _("Tick the cases to take first."))
    return back(request, reverse("web:staff_inbox"))


@staff_only
def next_case(request: HttpRequest) -> HttpResponse:
    """The most pressing item of the queue other than the one just left (`from`)."""
    filters = desk_queries.Filters(viewer=me(request))
    found = desk_queries.next_case(filters, now=clock.now(), leaving=request.GET.get("from", ""))
    if found is None:
        messages.info(request, _("Nothing else is waiting for the administration."))
        return redirect("web:staff_inbox")
    return redirect(found.link)


@posted(staff_only)
def add_note(request: HttpRequest, public_id: str) -> HttpResponse:
    dispute = dispute_queries.get_dispute_for(me(request), public_id)
    dispute_actions.add_internal_note(dispute_id=dispute.pk, by=me(request), body=request.POST.get("body", ""))
    messages.success(request, _("Internal note added. Only the administration sees it."))
    return redirect(reverse("web:staff_case", args=[public_id]) + "#notes")


@staff_only
def canned_replies(request: HttpRequest) -> HttpResponse:
    """The canned replies, and a form to add one."""
    if request.method == "POST":
        return _save(request, None)
    return render(
        request,
        "web/staff_canned.html",
        {"replies": canned.all_replies(), "variables": canned.VARIABLES, "nav": "staff", "editing": None},
    )


@staff_only
def canned_reply(request: HttpRequest, public_id: str) -> HttpResponse:
    reply = CannedReply.objects.filter(public_id=public_id).first()
    if reply is None:
        raise NotFound("No such canned reply.")
    if request.method == "POST":
        return _save(request, public_id)
    return render(
        request,
        "web/staff_canned.html",
        {"replies": canned.all_replies(), "variables": canned.VARIABLES, "nav": "staff", "editing": reply},
    )


@refusals_as_messages
def _save(request: HttpRequest, public_id: str | None) -> HttpResponse:
    desk_actions.save_canned_reply(
        by=me(request),
        title=request.POST.get("title", ""),
        body=request.POST.get("body", ""),
        public_id=public_id,
    )
    messages.success(request, _("Canned reply saved."))
    return redirect("web:staff_canned")


@posted(staff_only)
def canned_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    desk_actions.delete_canned_reply(by=me(request), public_id=public_id)
    messages.success(request, _("Canned reply deleted."))
    return redirect("web:staff_canned")
