"""What the dispute's deadlines do when nobody acts, and how they are described to people
("on 12 Mar 14:00 UTC the dispute goes to the administration")."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from core import audit, clock, locale
from core.actors import SystemActor
from core.deadlines import handles
from core.errors import Conflict, NotAllowedInState
from core.models import Deadline
from disputes import appeals, events, lifecycle
from disputes.kinds import (
    APPEAL_WINDOW,
    AUTO_ESCALATE,
    IDLE,
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
from disputes.outcomes import Effect, buyer_wins, check_rules, has_delivery, split_of
from disputes.verdicts import verdict
from notifications.actions import notify
from policy import rules
from policy.schema import Policy


def _system(rule: str) -> SystemActor:
    return SystemActor(rule=rule)


@handles(SELLER_RESPONSE)
def seller_silence(deadline: Deadline) -> str:
    """The seller did not respond in time: the policy's `seller_silence_action` applies. Under
    `refund_buyer` the buyer gets what they asked for, never more (`outcomes.buyer_wins`); what
    no rule lets the timer give (a delivered service, a return, a replacement) escalates."""
    by = _system("seller_response_due")
    with transaction.atomic():
        dispute = lifecycle.lock(deadline.subject_id)
        verdict(dispute, "seller_silence", by=by, now=clock.now()).require()
        if dispute.order.policy.seller_silence_action == "refund_buyer":
            effect = buyer_wins(dispute, path="timeout")
            if effect is not None:
                lifecycle.resolve(
                    dispute,
                    buyer_refund=effect.buyer_refund,
                    outcome=effect.outcome,
                    decided_by="timeout",
                    by=by,
                    role="system",
                    note="The seller did not respond in time; the buyer receives what they asked for.",
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
        if dispute.step != MISSED_STEP[still_due]:
            raise NotAllowedInState(_("That step was taken in time."))
        audit.record(events.DISPUTE_STEP_MISSED, subject=dispute, by=by, role="system", data={"step": still_due})
        lifecycle.take_step(dispute, "missed_step")
        lifecycle.escalate(dispute, by=by, role="system")
        lifecycle.finish(dispute)
    return f"escalated: missed {still_due}"


# The step each missed deadline leaves undone, by the name its event gives it.
MISSED_STEP = {"ship": "return_shipping", "receive": "return_receiving", "redeliver": "redelivering"}


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
        lifecycle.take_step(dispute, "redelivery_timeout")
        lifecycle.resolve(dispute, buyer_refund=0, outcome="delivered", decided_by="timeout", by=by, role="system")
        lifecycle.finish(dispute)
    return "order completed after redelivery"


@handles(INFO_ANSWER)
def info_forfeit(deadline: Deadline) -> str:
    """A party left the administration's question unanswered: that party's position is
    forfeited. The seller's silence gives the buyer what they asked for (never more); the
    buyer's closes the claim for the seller, but only if the order was delivered: nothing pays a
    seller for an order never delivered. Where no rule lets the forfeit settle it (a delivered
    service, a return or replacement asked for, an undelivered order), a mediator decides."""
    by = _system("info_request_due")
    with transaction.atomic():
        request = InfoRequest.objects.get(pk=deadline.subject_id)
        dispute = lifecycle.lock(request.dispute_id)
        request = InfoRequest.objects.select_for_update().get(pk=deadline.subject_id)
        verdict(dispute, "forfeit", by=by, now=clock.now()).require()
        if request.status != InfoRequest.Status.OPEN:
            raise NotAllowedInState(_("The question was answered."))
        request.status = InfoRequest.Status.FORFEITED
        request.save(update_fields=["status"])
        lifecycle.staff_waits_since(dispute, request.due_at)
        audit.record(
            events.DISPUTE_INFO_FORFEITED, subject=dispute, by=by, role="system", data={"party": request.party}
        )
        buyer = request.party == "buyer"

        def title() -> str:
            return (
                _("Dispute %(public_id)s: the buyer did not answer the administration in time")
                if buyer
                else _("Dispute %(public_id)s: the seller did not answer the administration in time")
            ) % {"public_id": dispute.public_id}

        effect, why = _forfeit_effect(dispute, request.party)
        if effect is None:
            event_code, code, sentence = why
            audit.record(event_code, subject=dispute, by=by, role="system", data={"code": code})
            lifecycle.notify_parties(
                dispute,
                code="dispute.info_forfeited",
                title=title,
                body=lambda: (
                    (_("The buyer's position is forfeited.") if buyer else _("The seller's position is forfeited."))
                    + " "
                    + _(sentence)
                    + " "
                    + _("A mediator decides the case now.")
                ),
            )
            lifecycle.finish(dispute)
            return f"forfeited by the {request.party}: the administration decides ({code})"
        split = split_of(dispute.order, effect)
        lifecycle.notify_parties(
            dispute,
            code="dispute.info_forfeited",
            title=title,
            body=lambda: (
                (
                    _("The buyer's position is forfeited: the claim is closed and the seller is paid.")
                    if buyer
                    else _("The seller's position is forfeited: the claim is closed and the seller is paid.")
                )
                if effect.buyer_refund == 0
                else (
                    _("The buyer's position is forfeited: the buyer receives what they asked for, %(to_buyer)s.")
                    if buyer
                    else _("The seller's position is forfeited: the buyer receives what they asked for, %(to_buyer)s.")
                )
                % {"to_buyer": split.to_buyer}
            ),
        )
        lifecycle.resolve(
            dispute,
            buyer_refund=effect.buyer_refund,
            outcome=effect.outcome,
            decided_by="forfeit",
            by=by,
            role="system",
            note=f"The {request.party} did not answer the administration in time.",
        )
        lifecycle.finish(dispute)
    return f"forfeited by the {request.party}"


# Why a forfeit leaves the case to the mediator: (audit event, code, sentence).
_UNDELIVERED = (
    "dispute.forfeit_undelivered",
    "nothing_delivered",
    gettext_noop("Nothing was delivered, so the seller cannot be paid."),
)
_SERVICE = (
    "dispute.forfeit_needs_decision",
    "seller_error_required",
    gettext_noop("A delivered service is refunded only for a seller error, so silence does not refund it."),
)
_NOT_AUTOMATIC = (
    "dispute.forfeit_not_automatic",
    "request_not_automatic",
    "What the buyer asks for (a return, a replacement, a delivery) is not something a forfeit can carry out.",
)


def _forfeit_effect(dispute: Dispute, party: str) -> tuple[Effect | None, tuple[str, str, str]]:
    """What `party`'s forfeit does: an effect, or None and why the mediator decides instead."""
    if party == "buyer":
        if not has_delivery(dispute):
            return None, _UNDELIVERED
        return Effect("settle", "release_to_seller", 0), _UNDELIVERED
    effect = buyer_wins(dispute, path="forfeit")
    if effect is not None:
        return effect, _NOT_AUTOMATIC
    return None, _SERVICE if _refund_refused(dispute, path="forfeit") else _NOT_AUTOMATIC


@handles(IDLE)
def idle_reminder(deadline: Deadline) -> str:
    """Nobody has moved the case for `idle_dispute_reminder_after`, and nothing escalates it by
    itself: both sides are reminded of what they can do (`finish` re-arms the next reminder)."""
    by = _system("idle_dispute_reminder_after")
    with transaction.atomic():
        dispute = lifecycle.lock(deadline.subject_id)
        if dispute.status not in lifecycle.IDLE_STATES:
            raise NotAllowedInState(_("The case is no longer with the parties."))
        policy = dispute.order.policy
        span = policy.idle_dispute_reminder_after or policy.escalation_available_after
        # Stored in the policy's notation ("72h"); the timeline tells it in its reader's words.
        idle = rules.format_duration(span)
        audit.record(events.DISPUTE_IDLE_REMINDED, subject=dispute, by=by, role="system", data={"idle": idle})
        lifecycle.notify_parties(
            dispute,
            code="dispute.idle_reminder",
            title=lambda: (
                _("Dispute %(public_id)s has not moved for %(idle)s")
                % {"public_id": dispute.public_id, "idle": rules.humane(span)}
            ),
            body=lambda: _idle_options(policy) % {"escalate_button": policy.escalate_button},
        )
        lifecycle.finish(dispute)
    return "reminded both sides of their options"


def _idle_options(policy: Policy) -> str:
    """What both sides of an idle dispute can do, one whole sentence per who may escalate."""
    if set(policy.escalation_parties) == {"buyer"}:
        return _(
            "The money stays frozen until the dispute ends. You can: write in the dispute "
            "chat; make a proposal (a refund, a replacement, a return) or accept the other "
            "side's; the buyer can withdraw the dispute; and the buyer can ask the "
            "administration to decide (%(escalate_button)s)."
        )
    if set(policy.escalation_parties) == {"seller"}:
        return _(
            "The money stays frozen until the dispute ends. You can: write in the dispute "
            "chat; make a proposal (a refund, a replacement, a return) or accept the other "
            "side's; the buyer can withdraw the dispute; and the seller can ask the "
            "administration to decide (%(escalate_button)s)."
        )
    return _(
        "The money stays frozen until the dispute ends. You can: write in the dispute "
        "chat; make a proposal (a refund, a replacement, a return) or accept the other "
        "side's; the buyer can withdraw the dispute; and the buyer or seller can ask the "
        "administration to decide (%(escalate_button)s)."
    )


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
            raise NotAllowedInState(_("The deadline this reminds of is no longer running."))
        dispute = _dispute_of(main)
        user = dispute.order.buyer if main.party == "buyer" else dispute.order.seller
        notify(
            users=[user],
            code="dispute.reminder",
            link=lifecycle.link(dispute),
            about=dispute.order,
            title=lambda: (
                _("Reminder: dispute %(public_id)s needs you before %(due_at)s")
                % {"public_id": dispute.public_id, "due_at": locale.when(main.due_at)}
            ),
            body=lambda: (
                _("If nothing happens by then, %(consequence)s.") % {"consequence": consequence(main, dispute)}
            ),
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
    to_admin = _("the dispute goes to the administration (%(escalated_label)s)") % {
        "escalated_label": policy.escalated_label
    }
    pay_seller = split_of(order, Effect("settle", "release_to_seller", 0)).seller_payout
    if deadline.kind == SELLER_RESPONSE:
        if policy.seller_silence_action == "refund_buyer":
            effect = buyer_wins(dispute, path="timeout")
            if effect is not None:
                return _("%(username)s is refunded %(to_buyer)s, as asked") % {
                    "username": order.buyer.username,
                    "to_buyer": split_of(order, effect).to_buyer,
                }
        return to_admin
    if deadline.kind in (AUTO_ESCALATE, RETURN_SHIP, RETURN_RECEIVE, REDELIVERY):
        return to_admin
    if deadline.kind == REDELIVERY_CONFIRM:
        return _("the order completes and %(username)s is paid %(pay_seller)s") % {
            "username": order.seller.username,
            "pay_seller": pay_seller,
        }
    if deadline.kind == INFO_ANSWER:
        return forfeit_consequence(dispute, deadline.party)
    if deadline.kind == APPEAL_WINDOW and dispute.pending_decision:
        split = split_of(order, appeals.pending_effect(dispute))
        return _("the decision takes effect: %(to_buyer)s to %(username)s, %(seller_payout)s to %(username2)s") % {
            "to_buyer": split.to_buyer,
            "username": order.buyer.username,
            "seller_payout": split.seller_payout,
            "username2": order.seller.username,
        }
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
    effect, why = _forfeit_effect(dispute, party)
    if effect is None:
        forfeited = (
            _("the buyer's position is forfeited and a mediator decides (%(why)s)")
            if party == "buyer"
            else _("the seller's position is forfeited and a mediator decides (%(why)s)")
        )
        return forfeited % {"why": _(why[2]).rstrip(".")}
    if party == "buyer":
        paid = split_of(order, effect).seller_payout
        return _("the buyer's claim is closed and %(username)s is paid %(paid)s") % {
            "username": order.seller.username,
            "paid": paid,
        }
    refund = split_of(order, effect).to_buyer
    return _("the seller forfeits and %(username)s is refunded %(refund)s, as asked") % {
        "username": order.buyer.username,
        "refund": refund,
    }
