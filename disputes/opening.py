"""Opening a dispute (PRODUCT.md §4): from the order or from the disputes page, by the buyer,
within the policy's window. One transaction: the order is frozen, the dispute and the buyer's
request (its first proposal) are written, the seller's timers start, evidence is stored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit, clock, locale
from core.errors import Conflict, ValidationFailed
from core.text import clean_text
from disputes import events, lifecycle, suspension
from disputes import evidence as evidence_files
from disputes.kinds import AUTO_ESCALATE, SELLER_RESPONSE
from disputes.models import Dispute, Proposal, ProposalKind, Reason
from disputes.outcomes import Effect, proposal_effect
from integrations.metadata import checked
from orders import actions as order_actions
from orders.models import Order
from orders.verdicts import verdict as order_verdict
from policy import rules

REQUESTABLE = (
    ProposalKind.FULL_DELIVERY,
    ProposalKind.REPLACEMENT,
    ProposalKind.PARTIAL_REFUND,
    ProposalKind.FULL_REFUND,
    ProposalKind.RETURN_AND_REFUND,
)


def open_dispute(
    *,
    order_id: int,
    by: User,
    reason: str,
    description: str,
    requested_kind: str,
    refund_amount: int | None = None,
    accept_terms: bool,
    evidence: Sequence[UploadedFile] = (),
    metadata: dict[str, str] | None = None,
) -> Dispute:
    """The buyer opens a dispute: the escrow stays frozen and the order stops completing by
    itself; the seller must respond. The buyer's request becomes the first proposal. Evidence
    files are checked before anything is written and stored in the same transaction."""
    description = _check_form(
        reason=reason, description=description, requested_kind=requested_kind, accept_terms=accept_terms
    )
    files = [evidence_files.check(upload) for upload in evidence]
    checked_metadata = checked(metadata)
    with transaction.atomic():
        order = order_actions.lock_order(order_id)
        now = clock.now()
        order_verdict(order, "open_dispute", by=by, now=now).require()
        order_actions.require_warranty_reason(order, reason=reason)
        effect = proposal_effect(order, kind=requested_kind, refund_amount=refund_amount, keep_percent=0)
        refusal = rules.refund_refusal(
            order.policy,
            order_kind=order.kind,
            delivered=order.delivered_at is not None,
            reason=reason,
            buyer_refund=effect.buyer_refund,
            price=order.price_amount,
            path="agreement",
            keep_percent=effect.keep_percent,
            settles=effect.kind != "await_redelivery",
        )
        if refusal is not None:
            raise Conflict(refusal[1], code=refusal[0])
        order_actions.enter_dispute(order, by=by)
        dispute = _create(
            order,
            by=by,
            reason=reason,
            description=description,
            kind=requested_kind,
            effect=effect,
            now=now,
            metadata=checked_metadata,
        )
        evidence_files.add(dispute, by=by, role="buyer", checked=files)
        _schedule_deadlines(dispute)
        suspension.escalate_if_seller_suspended(dispute)
        lifecycle.finish(dispute)
        _tell_the_seller(dispute, by=by)
    return dispute


def _check_form(*, reason: str, description: str, requested_kind: str, accept_terms: bool) -> str:
    if reason not in Reason.values:
        raise ValidationFailed(_("Choose a reason."), fields={"reason": [f"one of {', '.join(Reason.values)}"]})
    description = clean_text(description, "description", required=True)
    if requested_kind not in REQUESTABLE:
        raise ValidationFailed(_("Choose the resolution you want."), fields={"requested_outcome.kind": ["unknown"]})
    if not accept_terms:
        raise ValidationFailed(_("Please agree to the dispute terms."), fields={"accept_terms": ["must be true"]})
    return description


def _create(
    order: Order,
    *,
    by: User,
    reason: str,
    description: str,
    kind: str,
    effect: Effect,
    now: datetime,
    metadata: dict[str, str],
) -> Dispute:
    """The dispute and the buyer's request as its first proposal."""
    partial = effect.outcome == "partial_refund"
    requested = {"kind": kind} | ({"refund_amount": effect.buyer_refund} if partial else {})
    try:
        with transaction.atomic():
            dispute = Dispute.objects.create(
                order=order,
                reason=reason,
                description=description,
                requested_outcome=requested,
                opened_at=now,
                terms_accepted_at=now,
                metadata=metadata,
            )
    except IntegrityError:  # the partial unique index: one open dispute per order
        raise Conflict(_("A dispute is already open for this order."), code="dispute_already_open") from None
    dispute.order = order
    Proposal.objects.create(
        dispute=dispute,
        author=by,
        author_role="buyer",
        kind=kind,
        note=description[:2000],
        created_at=now,
        refund_amount=effect.buyer_refund if partial else None,
        seller_keep_percent=0 if effect.kind == "await_return" else None,
    )
    audit.record(
        events.DISPUTE_OPENED, subject=dispute, by=by, role="buyer", data={"reason": reason, "requested": kind}
    )
    return dispute


def _schedule_deadlines(dispute: Dispute) -> None:
    """The seller's response timer (if the policy has one) and the automatic escalation."""
    policy, opened = dispute.order.policy, dispute.opened_at
    if (respond_by := rules.seller_response_due_at(policy, opened_at=opened)) is not None:
        lifecycle.schedule(SELLER_RESPONSE, due_at=respond_by, subject=dispute, party="seller", now=opened)
    if (auto_at := rules.auto_escalates_at(policy, opened_at=opened)) is not None:
        lifecycle.schedule(AUTO_ESCALATE, due_at=auto_at, subject=dispute, party="", now=opened)


def _tell_the_seller(dispute: Dispute, *, by: User) -> None:
    order = dispute.order
    respond_by = rules.seller_response_due_at(order.policy, opened_at=dispute.opened_at)
    lifecycle.notify_parties(
        dispute,
        code="dispute.opened",
        skip=by,
        title=lambda: (
            _("%(username)s opened a dispute on order %(public_id)s")
            % {"username": by.username, "public_id": order.public_id}
        ),
        body=lambda: (
            _("Reason: %(reason)s.") % {"reason": dispute.get_reason_display()}
            + " "
            + ((_("Please respond before %(due)s.") % {"due": locale.when(respond_by)} + " ") if respond_by else "")
            + _("You can accept the buyer's request, propose another solution, or write in the dispute chat.")
        ),
    )
