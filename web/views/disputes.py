from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from chat import actions as chat_actions
from chat import queries as chat_queries
from core import clock
from core.errors import DomainError, ValidationFailed
from core.pagination import keyset_page
from disputes import actions, appeals, export, mediation, opening, queries, read_model
from disputes.evidence import download_response
from disputes.models import Dispute
from disputes.outcomes import agreement_effect, has_delivery, split_of
from disputes.verdicts import party_of
from orders import queries as order_queries
from orders.verdicts import verdict as order_verdict
from policy import rules
from policy.active import configured_policy
from web import lists, live
from web.auth import me
from web.errors import add_to_form, posted
from web.forms import AnswerForm, DisputeForm, EvidenceForm, NoteForm, ProposalForm, amount_in_minor_units
from web.live import live_page
from web.presenters import obligations

TAB_LABELS = {
    "open": "Open Disputes",
    "awaiting_me": "Awaiting me",
    "escalated": "Escalated",
    "closed": "Closed",
}


def dispute_url(dispute: Dispute) -> str:
    return reverse("web:dispute", args=[dispute.public_id])


@login_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    user = me(request)
    tab = request.GET.get("tab", "open")
    if tab not in TAB_LABELS:
        tab = "open"
    page = keyset_page(queries.disputes_for(user, tab=tab), cursor=request.GET.get("cursor"), limit=25)
    cases = read_model.case_summaries(page.items, viewer=user, now=clock.now())
    rows = [(case, lists.case_step(case, user)) for case in cases]
    return render(
        request,
        "web/disputes.html",
        {
            "rows": rows,
            "page": page,
            "tab": tab,
            # The marketplace's own name for the escalated state ("Involvement of the administration"),
            # and how many disputes each tab holds.
            "tabs": [
                (key, name, queries.disputes_for(user, tab=key).count())
                for key, name in (TAB_LABELS | {"escalated": configured_policy().escalated_label}).items()
            ],
            "nav": "disputes",
        },
    )


@login_required
def dispute_new(request: HttpRequest) -> HttpResponse:
    """ "Create New Dispute": choose the order, then describe the problem ("Create Dispute")."""
    user = me(request)
    order_id = request.GET.get("order") or request.POST.get("order")
    if not order_id:
        return _choose_order(request)
    order = order_queries.get_order_for(user, order_id)
    gate = order_verdict(order, "open_dispute", by=user, now=clock.now())
    form = DisputeForm(request.POST or None, request.FILES or None, delivered=order.delivered_at is not None)
    if request.method == "POST" and gate.allowed and form.is_valid():
        data = form.cleaned_data
        try:
            dispute = opening.open_dispute(
                order_id=order.pk,
                by=user,
                reason=data["reason"],
                description=data["description"],
                requested_kind=data["requested_kind"],
                refund_amount=amount_in_minor_units(data["refund_amount"], order.currency),
                accept_terms=data["accept_terms"],
                evidence=data["images"],
            )
        except DomainError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("Your dispute is open. The payment stays frozen until it is resolved."))
            return redirect(dispute_url(dispute))
    return render(
        request,
        "web/dispute_new.html",
        {
            "order": order,
            "gate": gate,
            "form": form,
            "rules": rules.describe(order.policy),
            "nav": "disputes",
        },
    )


def _choose_order(request: HttpRequest) -> HttpResponse:
    user = me(request)
    now = clock.now()
    rows = [(o, order_verdict(o, "open_dispute", by=user, now=now)) for o in queries.disputable_orders(user)]
    return render(request, "web/dispute_choose.html", {"rows": rows, "nav": "disputes"})


@login_required
@live_page(live.dispute_version)
def dispute_detail(request: HttpRequest, public_id: str, *, proposal_form: ProposalForm | None = None) -> HttpResponse:
    """The party's case page. A refused proposal comes back here with its `proposal_form`, so
    what was typed stays."""
    user = me(request)
    dispute = queries.get_dispute_for(user, public_id)
    order = dispute.order
    chat = list(chat_queries.thread(order.pk, "dispute"))
    if chat:
        chat_actions.mark_read(user=user, order_id=order.pk, channel="dispute", up_to=chat[-1].pk)
    case = read_model.case_view(dispute, viewer=user, now=clock.now())
    party = case.party
    return render(
        request,
        "web/dispute_detail.html",
        {
            "case": case,
            "dispute": dispute,
            "order": order,
            "label": case.status_label,
            "party": party,
            "verdicts": case.verdicts,
            "obligations": obligations(case.deadlines, order, user),
            "cards": [(p.row, p.preview, p.verdicts) for p in case.proposals],
            "agreed": case.agreed,
            "evidence": case.evidence,
            "my_questions": [
                (q.row, q.if_unanswered) for q in case.questions if q.row.party == party and q.if_unanswered
            ],
            "info_requests": [q.row for q in case.questions],
            "timeline": case.timeline,
            "chat": chat,
            "chat_last_id": chat[-1].pk if chat else 0,
            "proposal_form": proposal_form or ProposalForm(role=party, delivered=has_delivery(dispute)),
            "withdrawal": case.withdrawal,
            "note_form": NoteForm(),
            "answer_form": AnswerForm(),
            "evidence_form": EvidenceForm(),
            "escalate_button": order.policy.escalate_button,
            "escalation_moot": case.escalation_moot,
            "rules": rules.describe(order.policy),
            "nav": "disputes",
        },
    )


@login_required
def dispute_chat(request: HttpRequest, public_id: str) -> HttpResponse:
    user = me(request)
    dispute = queries.get_dispute_for(user, public_id)
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        raise ValidationFailed(_("after must be a message number")) from None
    new = list(chat_queries.thread(dispute.order_id, "dispute", after_id=after))
    if new:
        chat_actions.mark_read(user=user, order_id=dispute.order_id, channel="dispute", up_to=new[-1].pk)
    return render(
        request,
        "web/_chat_poll.html",
        {
            "messages_": new,
            "poll_url": request.path,
            "last_id": new[-1].pk if new else after,
        },
    )


@login_required
def proposal_preview(request: HttpRequest, public_id: str) -> HttpResponse:
    """The money split of the proposal being typed, for the live preview under the form."""
    dispute = queries.get_dispute_for(me(request), public_id)
    order = dispute.order
    try:
        amount = request.GET.get("refund_amount") or None
        refund = amount_in_minor_units(Decimal(amount), order.currency) if amount else None
        keep_raw = request.GET.get("seller_keep_percent") or None
        keep = int(keep_raw) if keep_raw else None
        kind = request.GET.get("kind", "")
        if kind not in ProposalForm.LABELS:
            raise ValidationFailed(gettext("Choose a proposal to see the split."))
        # The rules the proposal itself meets (the same function), so the preview never shows a
        # split the server then refuses.
        effect = agreement_effect(dispute, kind=kind, refund_amount=refund, keep_percent=keep)
    except (DomainError, InvalidOperation, ValueError) as exc:
        message = exc.detail if isinstance(exc, DomainError) else gettext("Enter a valid amount.")
        return render(request, "web/_split.html", {"error": message})
    return render(request, "web/_split.html", {"split": split_of(order, effect)})


def _dispute_for_post(request: HttpRequest, public_id: str) -> Dispute:
    return queries.get_dispute_for(me(request), public_id)


@posted()
def dispute_message(request: HttpRequest, public_id: str) -> HttpResponse:
    dispute = _dispute_for_post(request, public_id)
    body = request.POST.get("body", "")
    actions.post_message(dispute_id=dispute.pk, by=me(request), body=body)
    return redirect(dispute_url(dispute) + "#chat")


@posted()
def dispute_propose(request: HttpRequest, public_id: str) -> HttpResponse:
    """Sends a proposal; a refused one comes back on the case page with what was typed."""
    dispute = _dispute_for_post(request, public_id)
    form = ProposalForm(request.POST, role=party_of(dispute, me(request)), delivered=has_delivery(dispute))
    if form.is_valid():
        data = form.cleaned_data
        try:
            proposal = actions.propose(
                dispute_id=dispute.pk,
                by=me(request),
                kind=data["kind"],
                refund_amount=amount_in_minor_units(data["refund_amount"], dispute.order.currency),
                seller_keep_percent=data["seller_keep_percent"],
                note=data["note"],
            )
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, gettext("Proposal sent: %(kind)s.") % {"kind": proposal.get_kind_display()})
            return redirect(dispute_url(dispute))
    return dispute_detail(request, public_id, proposal_form=form)


@posted()
def dispute_withdraw(request: HttpRequest, public_id: str) -> HttpResponse:
    """The buyer withdraws the dispute: no acceptance needed, the seller is paid at once."""
    dispute = _dispute_for_post(request, public_id)
    if request.POST.get("confirm") != "withdraw":
        raise ValidationFailed(gettext("Confirm the withdrawal: the seller is paid at once."))
    user = me(request)
    actions.propose(dispute_id=dispute.pk, by=user, kind="withdraw", note=request.POST.get("note", ""))
    resolution = read_model.resolution_of(queries.get_dispute_for(user, public_id))
    if resolution is not None:  # what the settlement paid, not a second reckoning of it
        messages.success(
            request,
            gettext("You withdrew the dispute. %(amount)s was paid to the seller; the case is closed.")
            % {"amount": resolution.split.seller_payout},
        )
    return redirect(dispute_url(dispute))


@posted()
def proposal_answer(request: HttpRequest, public_id: str, proposal_id: str, answer: str) -> HttpResponse:
    user = me(request)
    dispute = _dispute_for_post(request, public_id)
    proposal = queries.get_proposal_for(user, dispute, proposal_id)
    if answer == "accept":
        actions.accept_proposal(proposal_id=proposal.pk, by=user)
        messages.success(
            request, _("Accepted: %(get_kind_display)s.") % {"get_kind_display": proposal.get_kind_display()}
        )
    else:
        actions.reject_proposal(proposal_id=proposal.pk, by=user, note=request.POST.get("note", ""))
        messages.info(request, _("Proposal rejected. You can make your own proposal."))
    return redirect(dispute_url(dispute))


STEPS = {
    "escalate": (
        lambda d, u, n: actions.escalate(dispute_id=d, by=u),
        "The administration has been asked to step in.",
    ),
    "return-shipped": (
        lambda d, u, n: actions.mark_returned(dispute_id=d, by=u, note=n),
        "Marked as returned.",
    ),
    "return-received": (
        lambda d, u, n: actions.confirm_return(dispute_id=d, by=u),
        "Return confirmed; refund sent.",
    ),
    "redeliver": (lambda d, u, n: actions.redeliver(dispute_id=d, by=u, note=n), "Delivered again."),
    "confirm-redelivery": (
        lambda d, u, n: actions.confirm_redelivery(dispute_id=d, by=u),
        "Confirmed. The order is complete.",
    ),
    "accept-decision": (
        lambda d, u, n: appeals.accept_decision(dispute_id=d, by=u),
        "You accepted the decision.",
    ),
    "appeal": (
        lambda d, u, n: appeals.appeal(dispute_id=d, by=u, reason=n),
        "Your appeal went to the administration; another staff member will decide.",
    ),
}


@posted()
def dispute_step(request: HttpRequest, public_id: str, step: str) -> HttpResponse:
    dispute = _dispute_for_post(request, public_id)
    if step not in STEPS:
        raise ValidationFailed(_("Unknown step."))
    run, done = STEPS[step]
    run(dispute.pk, me(request), request.POST.get("note", "")[:5000])
    messages.success(request, done)
    return redirect(dispute_url(dispute))


@posted()
def dispute_answer(request: HttpRequest, public_id: str, request_id: str) -> HttpResponse:
    dispute = _dispute_for_post(request, public_id)
    info = queries.get_info_request_for(dispute, request_id)
    mediation.answer_info(request_id=info.pk, by=me(request), body=request.POST.get("body", ""))
    messages.success(request, _("Thank you. Your answer went to the administration."))
    return redirect(dispute_url(dispute))


@posted()
def dispute_evidence(request: HttpRequest, public_id: str) -> HttpResponse:
    dispute = _dispute_for_post(request, public_id)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        raise ValidationFailed(_("Choose a file to upload."))
    item = actions.add_evidence(dispute_id=dispute.pk, by=me(request), upload=form.cleaned_data["file"])
    messages.success(
        request,
        _("Added %(original_name)s (SHA-256 %(value)s…).")
        % {"original_name": item.original_name, "value": item.sha256[:16]},
    )
    return redirect(dispute_url(dispute) + "#evidence")


@login_required
def evidence_file(request: HttpRequest, public_id: str) -> FileResponse:
    return download_response(queries.get_evidence_for(me(request), public_id))


@login_required
def case_export(request: HttpRequest, public_id: str) -> JsonResponse:
    """The case file as JSON, for the parties and the administration."""
    user = me(request)
    dispute = queries.get_dispute_for(user, public_id)
    response = JsonResponse(export.case_file(dispute, viewer=user), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="case-{dispute.public_id}.json"'
    return response


@login_required
def case_print(request: HttpRequest, public_id: str) -> HttpResponse:
    """The case file as a printable page."""
    user = me(request)
    dispute = queries.get_dispute_for(user, public_id)
    return render(request, "web/case_print.html", {"case": export.case_file(dispute, viewer=user), "dispute": dispute})
