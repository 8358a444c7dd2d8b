"""The administration's part in a dispute: taking the case, asking a party for information,
and deciding. Same discipline as `disputes.actions`: one transaction, verdict first."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.queries import staff_member
from core import audit, clock, deadlines, locale
from core.actors import Actor
from core.errors import Conflict, NotFound, ValidationFailed
from core.text import clean_text
from disputes import appeals, events, lifecycle, reasons
from disputes.deadlines import forfeit_consequence
from disputes.kinds import INFO_ANSWER
from disputes.models import Dispute, InfoRequest
from disputes.outcomes import Effect, check_rules, clean_findings, decision_effect, split_of
from disputes.verdicts import verdict
from notifications.actions import notify
from policy.rules import Split


def assign(*, dispute_id: int, by: User, assignee: str | None) -> Dispute:
    """A staff member takes the case (or hands it to another, or releases it: `assignee=None`).
    Nobody mediates a case they are a party to. Who may assign is checked first, so the answer
    tells nobody else which usernames belong to staff."""
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        verdict(dispute, "assign", by=by, now=clock.now()).require()
        staff = staff_member(assignee) if assignee else None
        if assignee and staff is None:
            raise ValidationFailed(_("No active staff member with that username."), fields={"assignee": ["unknown"]})
        if staff is not None and staff.pk in (dispute.order.buyer_id, dispute.order.seller_id):
            raise Conflict(_("Staff cannot mediate a case they are a party to."), code="own_case")
        dispute.assignee = staff
        dispute.save(update_fields=["assignee"])
        audit.record(
            events.DISPUTE_ASSIGNED,
            subject=dispute,
            by=by,
            role="staff",
            data={"assignee": staff.username if staff else None},
        )
        if staff is not None and staff.pk != by.pk:
            notify(
                users=[staff],
                code="dispute.assigned",
                link=lifecycle.link(dispute),
                about=dispute.order,
                title=lambda: (
                    _("%(username)s gave you dispute %(public_id)s")
                    % {"username": by.username, "public_id": dispute.public_id}
                ),
                body=lambda: (
                    _("%(get_reason_display)s: %(value)s")
                    % {"get_reason_display": dispute.get_reason_display(), "value": dispute.description[:200]}
                ),
            )
    return dispute


def request_info(*, dispute_id: int, by: User, party: str, question: str) -> InfoRequest:
    """Asks the buyer or the seller a question, due within the policy's `info_request_due`."""
    if party not in ("buyer", "seller"):
        raise ValidationFailed(_("Ask the buyer or the seller."), fields={"party": ["buyer or seller"]})
    question = clean_text(question, "question", required=True)
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        now = clock.now()
        verdict(dispute, "request_info", by=by, now=now).require()
        due = now + dispute.order.policy.info_request_due
        request = InfoRequest.objects.create(
            dispute=dispute, party=party, question=question, asked_by=by, asked_at=now, due_at=due
        )
        request.dispute = dispute
        lifecycle.schedule(INFO_ANSWER, due_at=due, subject=request, party=party, now=now)
        audit.record(
            events.DISPUTE_INFO_REQUESTED,
            subject=dispute,
            by=by,
            role="staff",
            data={"party": party, "question": question[:500], "due_at": due.isoformat()},
        )
        target = dispute.order.buyer if party == "buyer" else dispute.order.seller
        notify(
            users=[target],
            code="dispute.info_requested",
            link=lifecycle.link(dispute),
            about=dispute.order,
            title=lambda: (
                _("The administration needs information from you (dispute %(public_id)s)")
                % {"public_id": dispute.public_id}
            ),
            body=lambda: (
                _("%(question)s\n\nPlease answer before %(due)s; otherwise %(consequence)s.")
                # In the recipient's words, not the mediator's: worked out per recipient.
                % {"question": question, "due": locale.when(due), "consequence": forfeit_consequence(dispute, party)}
            ),
        )
        lifecycle.finish(dispute)
    return request


def answer_info(*, request_id: int, by: User, body: str) -> InfoRequest:
    body = clean_text(body, "body", required=True, what="your answer")
    with transaction.atomic():
        dispute_id = InfoRequest.objects.filter(pk=request_id).values_list("dispute_id", flat=True).first()
        if dispute_id is None:
            raise NotFound(_("No such information request."))
        dispute = lifecycle.lock(dispute_id)
        request = InfoRequest.objects.select_for_update().get(pk=request_id)
        request.dispute = dispute
        now = clock.now()
        verdict(dispute, "answer_info", by=by, now=now).require()
        party = "buyer" if by.pk == dispute.order.buyer_id else "seller"
        if request.party != party or request.status != InfoRequest.Status.OPEN:
            raise NotFound(_("No open question to you with this id."))
        request.status, request.answer, request.answered_at = InfoRequest.Status.ANSWERED, body, now
        request.save(update_fields=["status", "answer", "answered_at"])
        lifecycle.staff_waits_since(dispute, now)
        deadlines.cancel(subject=request, reason="answered")
        audit.record(events.DISPUTE_INFO_ANSWERED, subject=dispute, by=by, role=party, data={"answer": body[:500]})
        mediators = {u.pk: u for u in (request.asked_by, dispute.assignee) if u is not None}
        notify(
            users=list(mediators.values()),  # who asked, and who has the case now
            code="dispute.info_answered",
            link=lifecycle.link(dispute),
            about=dispute.order,
            title=lambda: (
                (
                    _("The buyer answered your question (dispute %(public_id)s)")
                    if party == "buyer"
                    else _("The seller answered your question (dispute %(public_id)s)")
                )
                % {"public_id": dispute.public_id}
            ),
            body=body[:500],
        )
        lifecycle.finish(dispute)
    return request


def _decision(
    dispute: Dispute, *, outcome: str, refund_amount: int | None, keep_percent: int | None, findings: list[str]
) -> Effect:
    effect = decision_effect(dispute.order, outcome=outcome, refund_amount=refund_amount, keep_percent=keep_percent)
    check_rules(dispute, effect, path="decision", findings=findings)
    return effect


def preview_decision(
    *,
    dispute: Dispute,
    by: User,
    outcome: str,
    refund_amount: int | None = None,
    keep_percent: int | None = None,
    seller_error: bool = False,
    findings: Sequence[str] = (),
) -> tuple[Effect, Split]:
    """The dry run of `decide`: the same checks, the exact split, nothing written."""
    verdict(dispute, "decide", by=by, now=clock.now()).require()
    found = clean_findings(findings, seller_error=seller_error)
    effect = _decision(dispute, outcome=outcome, refund_amount=refund_amount, keep_percent=keep_percent, findings=found)
    return effect, split_of(dispute.order, effect)


def decide(
    *,
    dispute_id: int,
    by: User,
    outcome: str,
    note: str,
    refund_amount: int | None = None,
    seller_keep_percent: int | None = None,
    seller_error: bool = False,
    findings: Sequence[str] = (),
) -> Dispute:
    """The administration decides on its `findings` (the old `seller_error` flag is that
    finding). Under an `appeal_window` a first decision waits in `decided`, the money still in
    escrow (`disputes.appeals`); a decision on appeal, or without a window, is final: the money
    moves now (or a return starts)."""
    note = clean_text(note, "note", required=True, what="the decision, explained to both parties")
    found = clean_findings(findings, seller_error=seller_error)
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        verdict(dispute, "decide", by=by, now=clock.now()).require()
        effect = _decision(
            dispute, outcome=outcome, refund_amount=refund_amount, keep_percent=seller_keep_percent, findings=found
        )
        # Once appealed, every later decision of the case is final: the case came back to the
        # administration after the appeal (a missed return step, a suspension), not a new appeal.
        on_appeal = dispute.status == Dispute.Status.APPEALED or dispute.appealed_at is not None
        audit.record(
            events.DISPUTE_DECIDED,
            subject=dispute,
            by=by,
            role="staff",
            data={
                "outcome": outcome,
                "note": note[:500],
                "seller_error": "seller_error" in found,
                "findings": found,
                "refund_amount": effect.buyer_refund,
                "on_appeal": on_appeal,
            },
        )
        if not on_appeal and dispute.order.policy.appeal_window is not None:
            appeals.enter_decided(dispute, effect, by=by, note=note, findings=found)
        else:
            carry_out(dispute, effect, by=by, role="staff", note=note, findings=found)
        lifecycle.finish(dispute)
    return dispute


def carry_out(dispute: Dispute, effect: Effect, *, by: Actor, role: str, note: str, findings: list[str]) -> None:
    """A final decision takes effect: settles now, or a return or redelivery starts (whose end
    settles it later, credited to this decision)."""
    lifecycle.apply(dispute, effect, by=by, role=role, decided_by="administrator", note=note, findings=findings)
    if effect.kind != "settle":
        if role == "staff":
            dispute.decided_by_user = by  # type: ignore[assignment]
        decider = dispute.decided_by_user or by
        dispute.reasons = reasons.statement(
            dispute,
            outcome=effect.outcome,
            split=split_of(dispute.order, effect),
            decided_by="administrator",
            by=decider,
            note=note,
            findings=findings,
            appeal_until=dispute.appeal_until,
        )
        what = (
            f"The item is to be returned; the seller keeps {effect.keep_percent} %."
            if effect.kind == "await_return"
            else "The seller is to deliver again."
        )
        fresh = role == "staff"  # else a decision that waited for its appeal window takes effect
        lifecycle.notify_parties(
            dispute,
            code="dispute.decided" if fresh else "dispute.decision_final",
            title=lambda: (
                (
                    _("The administration decided on dispute %(public_id)s")
                    if fresh
                    else _("The decision on dispute %(public_id)s takes effect")
                )
                % {"public_id": dispute.public_id}
            ),
            body=lambda: _("%(what)s %(note)s") % {"what": what, "note": note},
        )
