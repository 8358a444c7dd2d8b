"""What the dispute's deadlines do when nobody acts, and how they are described to people
("on 12 Mar 14:00 UTC the dispute goes to the administration")."""

from __future__ import annotations

from django.db import transaction

from core import audit, clock
from core.actors import SystemActor
from core.deadlines import handles
from core.errors import Conflict, NotAllowedInState
from core.models import Deadline
from disputes import lifecycle
from disputes.kinds import (
    AUTO_ESCALATE,
    INFO_ANSWER,
    REDELIVERY,
    REDELIVERY_CONFIRM,
    REMINDED,
    RETURN_RECEIVE,
    RETURN_SHIP,
    SELLER_RESPONSE,
    reminder_kind,
)
from disputes.models import Dispute, InfoRequest
from disputes.outcomes import Effect, check_rules, split_of
from disputes.verdicts import verdict
from notifications.actions import notify


def _system(rule: str) -> SystemActor:
    return SystemActor(rule=rule)


@handles(SELLER_RESPONSE)
def seller_silence(deadline: Deadline) -> str:
    """The seller did not respond in time: the policy's `seller_silence_action` applies."""
    by = _system("seller_response_due")
    with transaction.atomic():
        dispute = lifecycle.lock(deadline.subject_id)
        verdict(dispute, "seller_silence", by=by, now=clock.now()).require()
        order = dispute.order
        if order.policy.seller_silence_action == "refund_buyer":
            effect = Effect("settle", "full_refund", order.price_amount)
            try:
                check_rules(dispute, effect, path="timeout")
            except Conflict:
                pass  # a completed service needs a finding of seller error: let the administration look
            else:
                lifecycle.resolve(
                    dispute,
                    buyer_refund=effect.buyer_refund,
                    outcome="full_refund",
                    decided_by="timeout",
                    by=by,
                    role="system",
                )
                lifecycle.finish(dispute)
                return "buyer refunded: the seller did not respond"
        lifecycle.escalate(dispute, by=by, role="system")
        lifecycle.finish(dispute)
    return "escalated: the seller did not respond"


@handles(AUTO_ESCALATE)
def auto_escalate(deadline: Deadline) -> str:
    by = _system("auto_escalate_after")
    with transaction.atomic():
        dispute = lifecycle.lock(deadline.subject_id)
        verdict(dispute, "auto_escalate", by=by, now=clock.now()).require()
        lifecycle.escalate(dispute, by=by, role="system")
        lifecycle.finish(dispute)
    return "escalated: unresolved at auto_escalate_after"


def _missed(deadline: Deadline, *, rule: str, still_due: str) -> str:
    by = _system(rule)
    with transaction.atomic():
        dispute = lifecycle.lock(deadline.subject_id)
        verdict(dispute, "missed_step", by=by, now=clock.now()).require()
        pending = {
            "ship": dispute.status == Dispute.Status.AWAITING_RETURN and dispute.return_shipped_at is None,
            "receive": dispute.status == Dispute.Status.AWAITING_RETURN and dispute.return_shipped_at is not None,
            "redeliver": dispute.status == Dispute.Status.AWAITING_REDELIVERY and dispute.redelivered_at is None,
        }[still_due]
        if not pending:
            raise NotAllowedInState("That step was taken in time.")
        audit.record("dispute.step_missed", subject=dispute, by=by, role="system", data={"step": still_due})
        lifecycle.escalate(dispute, by=by, role="system")
        lifecycle.finish(dispute)
    return f"escalated: missed {still_due}"


@handles(RETURN_SHIP)
def return_not_shipped(deadline: Deadline) -> str:
    return _missed(deadline, rule="return_ship_due", still_due="ship")


@handles(RETURN_RECEIVE)
def return_not_confirmed(deadline: Deadline) -> str:
    return _missed(deadline, rule="return_receive_due", still_due="receive")


@handles(REDELIVERY)
def not_redelivered(deadline: Deadline) -> str:
    return _missed(deadline, rule="redelivery_due", still_due="redeliver")


@handles(REDELIVERY_CONFIRM)
def redelivery_not_confirmed(deadline: Deadline) -> str:
    """The buyer neither confirmed nor escalated after the redelivery: as after any delivery,
    the order completes when the guarantee window ends."""
    by = _system("guarantee_window")
    with transaction.atomic():
        dispute = lifecycle.lock(deadline.subject_id)
        verdict(dispute, "redelivery_timeout", by=by, now=clock.now()).require()
        if dispute.redelivered_at is None:
            raise NotAllowedInState("Nothing was redelivered.")
        lifecycle.resolve(dispute, buyer_refund=0, outcome="delivered", decided_by="timeout", by=by, role="system")
        lifecycle.finish(dispute)
    return "order completed after redelivery"


@handles(INFO_ANSWER)
def info_forfeit(deadline: Deadline) -> str:
    """A party left the administration's question unanswered: that party's position is
    forfeited. The buyer's claim closes for the seller; the seller's silence refunds the buyer,
    unless the refund rules forbid it (a delivered service): then a mediator decides."""
    by = _system("info_request_due")
    with transaction.atomic():
        request = InfoRequest.objects.get(pk=deadline.subject_id)
        dispute = lifecycle.lock(request.dispute_id)
        request = InfoRequest.objects.select_for_update().get(pk=deadline.subject_id)
        verdict(dispute, "forfeit", by=by, now=clock.now()).require()
        if request.status != InfoRequest.Status.OPEN:
            raise NotAllowedInState("The question was answered.")
        request.status = InfoRequest.Status.FORFEITED
        request.save(update_fields=["status"])
        order = dispute.order
        refund = 0 if request.party == "buyer" else order.price_amount
        effect = Effect("settle", "release_to_seller" if refund == 0 else "full_refund", refund)
        audit.record("dispute.info_forfeited", subject=dispute, by=by, role="system", data={"party": request.party})
        title = f"Dispute {dispute.public_id}: the {request.party} did not answer the administration in time"
        try:
            check_rules(dispute, effect, path="forfeit")
        except Conflict as refusal:
            # A delivered service is refunded only on a finding of seller error, and silence is
            # no such finding: the seller's position is lost, the decision stays with staff.
            audit.record(
                "dispute.forfeit_needs_decision", subject=dispute, by=by, role="system", data={"code": refusal.code}
            )
            lifecycle.notify_parties(
                dispute,
                code="dispute.info_forfeited",
                title=title,
                body="The seller's position is forfeited. A delivered service is refunded only for a seller "
                "error, so a mediator decides the case now.",
            )
            lifecycle.finish(dispute)
            return "forfeited by the seller: the administration decides (a service refund needs a seller error)"
        lifecycle.notify_parties(
            dispute,
            code="dispute.info_forfeited",
            title=title,
            body=f"The {request.party}'s position is forfeited: "
            + ("the claim is closed and the seller is paid." if refund == 0 else "the buyer is refunded in full."),
        )
        lifecycle.resolve(
            dispute,
            buyer_refund=refund,
            outcome=effect.outcome,
            decided_by="forfeit",
            by=by,
            role="system",
            note=f"The {request.party} did not answer the administration in time.",
        )
        lifecycle.finish(dispute)
    return f"forfeited by the {request.party}"


def _remind(kind: str) -> None:
    @handles(reminder_kind(kind))
    def remind(deadline: Deadline) -> str:
        main = Deadline.objects.filter(
            kind=kind,
            subject_type=deadline.subject_type,
            subject_id=deadline.subject_id,
            status=Deadline.Status.PENDING,
        ).first()
        if main is None:
            raise NotAllowedInState("The deadline this reminds of is no longer running.")
        dispute = _dispute_of(main)
        user = dispute.order.buyer if main.party == "buyer" else dispute.order.seller
        notify(
            users=[user],
            code="dispute.reminder",
            link=lifecycle.link(dispute),
            title=f"Reminder: dispute {dispute.public_id} needs you before {main.due_at:%d %b %H:%M} UTC",
            body=f"If nothing happens by then, {consequence(main, dispute)}.",
        )
        return "reminded"


for _kind in REMINDED:
    _remind(_kind)


def _dispute_of(deadline: Deadline) -> Dispute:
    if deadline.subject_type == "inforequest":
        return (
            InfoRequest.objects.select_related(
                "dispute__order__buyer", "dispute__order__seller", "dispute__order__policy_version"
            )
            .get(pk=deadline.subject_id)
            .dispute
        )
    return Dispute.objects.select_related("order__buyer", "order__seller", "order__policy_version").get(
        pk=deadline.subject_id
    )


def consequence(deadline: Deadline, dispute: Dispute) -> str | None:
    """What happens by itself at this deadline; None for reminders."""
    order = dispute.order
    policy = order.policy
    to_admin = f"the dispute goes to the administration ({policy.escalated_label})"
    refund_all = split_of(order, Effect("settle", "full_refund", order.price_amount)).to_buyer
    pay_seller = split_of(order, Effect("settle", "release_to_seller", 0)).seller_payout
    if deadline.kind == SELLER_RESPONSE:
        if policy.seller_silence_action == "refund_buyer" and not _refund_refused(dispute, path="timeout"):
            return f"{order.buyer.username} is refunded {refund_all}"
        return to_admin
    if deadline.kind in (AUTO_ESCALATE, RETURN_SHIP, RETURN_RECEIVE, REDELIVERY):
        return to_admin
    if deadline.kind == REDELIVERY_CONFIRM:
        return f"the order completes and {order.seller.username} is paid {pay_seller}"
    if deadline.kind == INFO_ANSWER:
        return forfeit_consequence(dispute, deadline.party)
    return None


def _refund_refused(dispute: Dispute, *, path: str) -> bool:
    """Would the refund rules stop a full refund reached this way (a delivered service)?"""
    try:
        check_rules(dispute, Effect("settle", "full_refund", dispute.order.price_amount), path=path)
    except Conflict:
        return True
    return False


def forfeit_consequence(dispute: Dispute, party: str) -> str:
    """What happens if `party` leaves the administration's question unanswered (`info_forfeit`)."""
    order = dispute.order
    if party == "buyer":
        paid = split_of(order, Effect("settle", "release_to_seller", 0)).seller_payout
        return f"the buyer's claim is closed and {order.seller.username} is paid {paid}"
    if _refund_refused(dispute, path="forfeit"):
        return (
            "the seller's position is forfeited and a mediator decides "
            "(a delivered service is refunded only for a seller error)"
        )
    refund = split_of(order, Effect("settle", "full_refund", order.price_amount)).to_buyer
    return f"the seller forfeits and {order.buyer.username} is refunded {refund}"
