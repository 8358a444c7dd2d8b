"""Every change a buyer or seller makes to a dispute. Each runs in one transaction: lock the
order and the dispute, check the verdict, change the state, write the audit event (and the
ledger, when money moves), keep deadlines and notifications right.

Opening a dispute is in `disputes.opening`; the administration's actions are in
`disputes.mediation`; what deadlines do, in `disputes.deadlines`."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from chat import actions as chat_actions
from chat.models import Message
from core import audit, clock
from core.errors import Forbidden, NotFound
from core.text import clean_text
from disputes import events, lifecycle
from disputes import evidence as evidence_files
from disputes.kinds import REDELIVERY, REDELIVERY_CONFIRM, RETURN_RECEIVE, RETURN_SHIP
from disputes.models import Dispute, Evidence, InternalNote, Proposal, ProposalKind
from disputes.outcomes import Effect, admits_seller_error, agreement_effect, split_of
from disputes.states import PROPOSAL_KINDS
from disputes.verdicts import party_of, proposal_verdict, roles_of, verdict
from policy import rules


def post_message(*, dispute_id: int, by: User, body: str) -> Message:
    """A message in the dispute chat. The seller's first message is their response."""
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        now = clock.now()
        verdict(dispute, "message", by=by, now=now).require()
        role = "staff" if "staff" in roles_of(dispute, by) else party_of(dispute, by) or "staff"
        message = chat_actions.post_message(order_id=dispute.order_id, channel="dispute", by=by, role=role, body=body)
        lifecycle.respond(dispute, by=by, now=now)
        lifecycle.finish(dispute)
        lifecycle.notify_parties(
            dispute,
            code="dispute.message",
            skip=by,
            title=lambda: _("New message in dispute %(public_id)s") % {"public_id": dispute.public_id},
            body=lambda: (
                _("%(who)s wrote: %(text)s")
                % {"who": _("The administration") if role == "staff" else by.username, "text": message.body[:200]}
            ),
        )
    return message


def add_internal_note(*, dispute_id: int, by: User, body: str) -> InternalNote:
    """A note on the case for the administration alone, at any stage of it. A staff member who
    is a party to the case writes none. Its event carries no text and belongs to no case
    timeline, so nothing a party or a webhook receiver reads shows it."""
    body = clean_text(body, "body", required=True, limit=5000, what="the note")
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        if not by.is_staff or party_of(dispute, by) is not None:
            raise Forbidden("Only the case's mediators write internal notes.")
        note = InternalNote.objects.create(dispute=dispute, author=by, body=body, created_at=clock.now())
        audit.record(events.DISPUTE_NOTE_ADDED, subject=note, by=by, role="staff", data={"dispute": dispute.public_id})
    return note


def add_evidence(*, dispute_id: int, by: User, upload: UploadedFile) -> Evidence:
    """Stores a checked, hashed, immutable evidence file."""
    checked = evidence_files.check(upload)
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        verdict(dispute, "add_evidence", by=by, now=clock.now()).require()
        (item,) = evidence_files.add(dispute, by=by, role=party_of(dispute, by) or "staff", checked=[checked])
    return item


def propose(
    *,
    dispute_id: int,
    by: User,
    kind: str,
    refund_amount: int | None = None,
    seller_keep_percent: int | None = None,
    note: str = "",
) -> Proposal:
    """A party proposes a resolution; it replaces that party's earlier open proposal. A buyer's
    withdrawal takes effect at once: the money goes to the seller."""
    note = clean_text(note, "note", required=False, limit=2000)
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        now = clock.now()
        verdict(dispute, "propose", by=by, now=now).require()
        role = party_of(dispute, by)
        assert role is not None
        if kind == ProposalKind.WITHDRAW and kind not in PROPOSAL_KINDS[role]:
            raise Forbidden(_("Only the buyer can withdraw the dispute."))
        effect = agreement_effect(dispute, kind=kind, refund_amount=refund_amount, keep_percent=seller_keep_percent)
        proposal = _replace_proposal(dispute, by=by, role=role, kind=kind, effect=effect, note=note)
        lifecycle.respond(dispute, by=by, now=now)
        if kind == ProposalKind.WITHDRAW:
            _withdraw(dispute, proposal, by=by, note=note)
        else:
            # The state stays: only the seller's answer ends `awaiting_seller` (`respond` above);
            # a buyer who revises the request is still waiting for it.
            preview = split_of(dispute.order, effect)
            lifecycle.notify_parties(
                dispute,
                code="dispute.proposal_made",
                skip=by,
                title=lambda: (
                    _("New proposal in dispute %(public_id)s: %(get_kind_display)s")
                    % {"public_id": dispute.public_id, "get_kind_display": proposal.get_kind_display()}
                ),
                body=lambda: (
                    _("If accepted: %(to_buyer)s to the buyer, %(seller_payout)s to the seller.")
                    % {"to_buyer": preview.to_buyer, "seller_payout": preview.seller_payout}
                ),
            )
        lifecycle.finish(dispute)
    return proposal


def _replace_proposal(dispute: Dispute, *, by: User, role: str, kind: str, effect: Effect, note: str) -> Proposal:
    """Supersedes the author's open proposal with a new one and records it with its split."""
    now = clock.now()
    dispute.proposals.filter(author_role=role, status=Proposal.Status.OPEN).update(
        status=Proposal.Status.SUPERSEDED, responded_at=now
    )
    proposal = Proposal.objects.create(
        dispute=dispute,
        author=by,
        author_role=role,
        kind=kind,
        note=note,
        created_at=now,
        refund_amount=effect.buyer_refund if effect.outcome == "partial_refund" else None,
        seller_keep_percent=effect.keep_percent,
    )
    proposal.dispute = dispute
    preview = split_of(dispute.order, effect)
    audit.record(
        events.DISPUTE_PROPOSAL_MADE,
        subject=dispute,
        by=by,
        role=role,
        data={"kind": kind, "buyer_gets": preview.to_buyer.as_dict(), "seller_gets": preview.seller_payout.as_dict()},
    )
    return proposal


def _withdraw(dispute: Dispute, proposal: Proposal, *, by: User, note: str) -> None:
    """The buyer's withdrawal needs nobody's acceptance: the seller is paid at once."""
    proposal.status, proposal.responded_at = Proposal.Status.ACCEPTED, clock.now()
    proposal.save(update_fields=["status", "responded_at"])
    lifecycle.resolve(
        dispute, buyer_refund=0, outcome="withdrawn", decided_by="withdrawal", by=by, role="buyer", note=note
    )


def accept_proposal(*, proposal_id: int, by: User) -> Dispute:
    """The other party accepts: the effect is carried out at once, in this transaction. The
    seller accepting the buyer's request is "Proceed to Return"."""
    with transaction.atomic():
        dispute_id = Proposal.objects.filter(pk=proposal_id).values_list("dispute_id", flat=True).first()
        if dispute_id is None:
            raise NotFound(_("No such proposal."))
        dispute = lifecycle.lock(dispute_id)
        proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
        proposal.dispute = dispute
        now = clock.now()
        proposal_verdict(proposal, "accept_proposal", by=by, now=now).require()
        role = party_of(dispute, by)
        assert role is not None
        effect = agreement_effect(
            dispute, kind=proposal.kind, refund_amount=proposal.refund_amount, keep_percent=proposal.seller_keep_percent
        )
        proposal.status, proposal.responded_at, proposal.responded_by = Proposal.Status.ACCEPTED, now, by
        proposal.save(update_fields=["status", "responded_at", "responded_by"])
        audit.record(
            events.DISPUTE_PROPOSAL_ACCEPTED,
            subject=dispute,
            by=by,
            role=role,
            data={"kind": proposal.kind, "proposal": proposal.public_id},
        )
        lifecycle.respond(dispute, by=by, now=now)
        lifecycle.notify_parties(
            dispute,
            code="dispute.proposal_accepted",
            skip=by,
            title=lambda: (
                _("%(username)s accepted your proposal: %(get_kind_display)s")
                % {"username": by.username, "get_kind_display": proposal.get_kind_display()}
            ),
        )
        lifecycle.apply(
            dispute,
            effect,
            by=by,
            role=role,
            decided_by="agreement",
            findings=["seller_error"] if admits_seller_error(dispute, effect) else [],
        )
        lifecycle.finish(dispute)
    return dispute


def reject_proposal(*, proposal_id: int, by: User, note: str = "") -> Proposal:
    note = clean_text(note, "note", required=False, limit=2000)
    with transaction.atomic():
        dispute_id = Proposal.objects.filter(pk=proposal_id).values_list("dispute_id", flat=True).first()
        if dispute_id is None:
            raise NotFound(_("No such proposal."))
        dispute = lifecycle.lock(dispute_id)
        proposal = Proposal.objects.select_for_update().get(pk=proposal_id)
        proposal.dispute = dispute
        now = clock.now()
        proposal_verdict(proposal, "reject_proposal", by=by, now=now).require()
        role = party_of(dispute, by)
        assert role is not None
        proposal.status, proposal.responded_at, proposal.responded_by = Proposal.Status.REJECTED, now, by
        proposal.save(update_fields=["status", "responded_at", "responded_by"])
        audit.record(
            events.DISPUTE_PROPOSAL_REJECTED,
            subject=dispute,
            by=by,
            role=role,
            data={"kind": proposal.kind, "note": note},
        )
        lifecycle.respond(dispute, by=by, now=now)  # only the seller can reject while it waits for them
        lifecycle.notify_parties(
            dispute,
            code="dispute.proposal_rejected",
            skip=by,
            title=lambda: (
                _("%(username)s rejected your proposal: %(get_kind_display)s")
                % {"username": by.username, "get_kind_display": proposal.get_kind_display()}
            ),
            body=note,
        )
        lifecycle.finish(dispute)
    return proposal


def escalate(*, dispute_id: int, by: User) -> Dispute:
    """A party brings in the administration (once the policy allows it)."""
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        verdict(dispute, "escalate", by=by, now=clock.now()).require()
        role = party_of(dispute, by)
        assert role is not None
        lifecycle.escalate(dispute, by=by, role=role)
        lifecycle.finish(dispute)
    return dispute


def mark_returned(*, dispute_id: int, by: User, note: str = "") -> Dispute:
    """The buyer sent the item back; the seller must now confirm it arrived."""
    note = clean_text(note, "note", required=False, limit=2000)
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        now = clock.now()
        verdict(dispute, "mark_returned", by=by, now=now).require()
        lifecycle.take_step(dispute, "mark_returned")
        dispute.return_shipped_at = now
        lifecycle.cancel(dispute, RETURN_SHIP, reason="returned")
        lifecycle.schedule(
            RETURN_RECEIVE,
            due_at=now + dispute.order.policy.return_receive_due,
            subject=dispute,
            party="seller",
            now=now,
        )
        audit.record(events.DISPUTE_RETURN_SHIPPED, subject=dispute, by=by, role="buyer", data={"note": note})
        lifecycle.notify_parties(
            dispute,
            code="dispute.return_shipped",
            skip=by,
            title=lambda: _("The buyer returned the item (dispute %(public_id)s)") % {"public_id": dispute.public_id},
            body=lambda: _("Confirm that it arrived so the refund can run."),
        )
        lifecycle.finish(dispute)
    return dispute


def confirm_return(*, dispute_id: int, by: User) -> Dispute:
    """The seller confirms the return arrived: the refund (less the agreed share) runs."""
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        verdict(dispute, "confirm_return", by=by, now=clock.now()).require()
        order = dispute.order
        keep = dispute.return_keep_percent or 0
        refund = rules.return_refund(order.policy, price=order.price, seller_keep_percent=keep)
        lifecycle.take_step(dispute, "confirm_return")
        audit.record(events.DISPUTE_RETURN_RECEIVED, subject=dispute, by=by, role="seller")
        lifecycle.resolve(
            dispute,
            buyer_refund=refund,
            outcome="return_and_refund",
            decided_by=dispute.decided_by or "agreement",
            by=by,
            role="seller",
            note=dispute.resolution_note,
            findings=dispute.findings,
        )
        lifecycle.finish(dispute)
    return dispute


def redeliver(*, dispute_id: int, by: User, note: str = "") -> Dispute:
    """The seller delivers the rest or a replacement; the buyer must now confirm."""
    note = clean_text(note, "note", required=False)
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        now = clock.now()
        verdict(dispute, "redeliver", by=by, now=now).require()
        lifecycle.take_step(dispute, "redeliver")
        dispute.redelivered_at, dispute.redelivery_note = now, note
        lifecycle.cancel(dispute, REDELIVERY, reason="redelivered")
        lifecycle.schedule(
            REDELIVERY_CONFIRM,
            due_at=now + dispute.order.policy.guarantee_window,
            subject=dispute,
            party="buyer",
            now=now,
        )
        audit.record(events.DISPUTE_REDELIVERED, subject=dispute, by=by, role="seller")
        lifecycle.notify_parties(
            dispute,
            code="dispute.redelivered",
            skip=by,
            title=lambda: _("The seller delivered again (dispute %(public_id)s)") % {"public_id": dispute.public_id},
            body=lambda: _("Check it, then confirm. If you do nothing, the order completes by itself."),
        )
        lifecycle.finish(dispute)
    return dispute


def confirm_redelivery(*, dispute_id: int, by: User) -> Dispute:
    """The buyer has everything now: the order completes and the seller is paid."""
    with transaction.atomic():
        dispute = lifecycle.lock(dispute_id)
        verdict(dispute, "confirm_redelivery", by=by, now=clock.now()).require()
        lifecycle.take_step(dispute, "confirm_redelivery")
        audit.record(events.DISPUTE_REDELIVERY_CONFIRMED, subject=dispute, by=by, role="buyer")
        lifecycle.resolve(dispute, buyer_refund=0, outcome="delivered", decided_by="agreement", by=by, role="buyer")
        lifecycle.finish(dispute)
    return dispute
