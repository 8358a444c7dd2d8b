"""The steps every dispute action is made of: locking, entering a state, resolving, keeping
the deadlines and the "who are we waiting on" flags right. Only `disputes.actions`,
`disputes.mediation` and `disputes.deadlines` call these, inside their transaction, and each of
them ends with `finish(dispute)`, which saves the dispute."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit, clock, deadlines, timeline
from core.actors import Actor, SystemActor
from core.errors import NotFound
from disputes import events, reasons
from disputes.kinds import (
    AUTO_ESCALATE,
    IDLE,
    REDELIVERY,
    REDELIVERY_CONFIRM,
    REMINDED,
    RETURN_RECEIVE,
    RETURN_SHIP,
    SELLER_RESPONSE,
    reminder_kind,
)
from disputes.models import Dispute, InfoRequest, Proposal
from disputes.outcomes import Effect
from disputes.resolution import resolution_of
from disputes.states import STEP_TRANSITIONS, STEP_WAITS_ON
from disputes.verdicts import status_label
from notifications.actions import Text, notify
from orders import actions as order_actions
from policy import rules


def link(dispute: Dispute) -> str:
    return reverse("web:dispute", args=[dispute.public_id])


def lock(dispute_id: int) -> Dispute:
    """The dispute and its order, locked in that order (order first, as every money path does)."""
    order_id = Dispute.objects.filter(pk=dispute_id).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound(_("No such dispute."))
    order = order_actions.lock_order(order_id)
    dispute = Dispute.objects.select_for_update(of=("self",)).get(pk=dispute_id)
    dispute.order = order
    return dispute


def schedule(kind: str, *, due_at: datetime, subject: Dispute | InfoRequest, party: str, now: datetime) -> None:
    """Schedules a deadline and, when there is time, its reminder."""
    deadlines.schedule(kind=kind, due_at=due_at, subject=subject, party=party)
    dispute = subject if isinstance(subject, Dispute) else subject.dispute
    remind_at = rules.reminder_at(dispute.order.policy, due_at=due_at, now=now)
    if kind in REMINDED and remind_at is not None:
        deadlines.schedule(kind=reminder_kind(kind), due_at=remind_at, subject=subject, party=party)


def cancel(dispute: Dispute, *kinds: str, reason: str) -> None:
    wanted = [k for kind in kinds for k in (kind, reminder_kind(kind))]
    deadlines.cancel(subject=dispute, kinds=wanted or None, reason=reason)


def notify_parties(dispute: Dispute, *, code: str, title: Text, body: Text = "", skip: User | None = None) -> None:
    order = dispute.order
    users = [u for u in (order.buyer, order.seller) if skip is None or u.pk != skip.pk]
    if dispute.assignee_id and (skip is None or dispute.assignee_id != skip.pk):
        users.append(dispute.assignee)  # type: ignore[arg-type]
    notify(users=users, code=code, title=title, body=body, link=link(dispute), about=order)


def respond(dispute: Dispute, *, by: User, now: datetime) -> None:
    """The seller's first answer (a message, a proposal, an acceptance) ends `awaiting_seller`.
    `now` is the instant the action's verdict was taken at."""
    if dispute.status != Dispute.Status.AWAITING_SELLER or by.pk != dispute.order.seller_id:
        return
    if deadlines.pending(subject=dispute, kind=SELLER_RESPONSE, due_by=now):
        return  # too late to count: the worker is about to apply the seller's silence
    dispute.status = Dispute.Status.NEGOTIATING
    dispute.responded_at = now
    cancel(dispute, SELLER_RESPONSE, reason="the seller responded")
    audit.record(events.DISPUTE_RESPONDED, subject=dispute, by=by, role="seller")


def take_step(dispute: Dispute, change: str) -> None:
    """Moves the case along the step table (`states.STEP_TRANSITIONS`). The actions' verdicts
    have checked the step already; a change the table does not allow here is a bug, not a
    refusal to show anyone."""
    rule = STEP_TRANSITIONS[change]
    if dispute.step not in rule.sources:
        raise AssertionError(f"{change} at step {dispute.step!r}")
    dispute.step = rule.target


def escalate(dispute: Dispute, *, by: Actor, role: str) -> None:
    now = clock.now()
    take_step(dispute, "escalate")
    dispute.status = Dispute.Status.ESCALATED
    dispute.escalated_at = now
    dispute.escalated_by = role
    dispute.staff_waiting_since = now  # any earlier answer or forfeit came before this
    target = dispute.order.policy.decision_target
    dispute.decision_due_at = now + target if target is not None else None
    cancel(
        dispute,
        SELLER_RESPONSE,
        AUTO_ESCALATE,
        RETURN_SHIP,
        RETURN_RECEIVE,
        REDELIVERY,
        REDELIVERY_CONFIRM,
        reason="escalated",
    )
    audit.record(events.DISPUTE_ESCALATED, subject=dispute, by=by, role=role)

    # Titles and bodies are worked out per recipient, in their language (not the escalating side's).
    def who() -> str:
        if isinstance(by, SystemActor):
            return "Parley"
        return str({"buyer": _("The buyer"), "seller": _("The seller")}.get(role, role))

    notify_parties(
        dispute,
        skip=by if isinstance(by, User) else None,  # who escalated knows
        code="dispute.escalated",
        title=lambda: (
            _("Dispute %(public_id)s: %(label)s") % {"public_id": dispute.public_id, "label": status_label(dispute)}
        ),
        body=lambda: (
            _(
                "%(who)s brought in the administration. A mediator will look at the whole case "
                "and may ask you for information; answer it in time, or your position is "
                "forfeited."
            )
            % {"who": who()}
        ),
    )


def staff_waits_since(dispute: Dispute, at: datetime) -> None:
    """A question of the case was answered (`at`: the answer) or forfeited (`at`: its due time):
    the case waits for the administration again from then, unless it already did from later.
    The stored value is what the staff queue sorts by: the escalation, or the latest answer or
    forfeit of a question (`desk.tests.test_queue_key` checks it against the questions)."""
    since = dispute.staff_waiting_since
    dispute.staff_waiting_since = at if since is None or at > since else since


def close_info_requests(dispute: Dispute, *, reason: str) -> None:
    """Closes the administration's open questions and their forfeit timers: the case left
    mediation, so nobody can answer them any more."""
    for request in dispute.info_requests.filter(status=InfoRequest.Status.OPEN):
        request.status = InfoRequest.Status.CLOSED
        request.save(update_fields=["status"])
        deadlines.cancel(subject=request, reason=reason)


def lapse_proposals(dispute: Dispute, *, now: datetime) -> None:
    """Proposals still open when the case takes a course (agreed, decided or settled) lapse:
    accepting one later must not overturn what was agreed or decided."""
    dispute.proposals.filter(status=Proposal.Status.OPEN).update(status=Proposal.Status.LAPSED, responded_at=now)


def enter_return(dispute: Dispute, *, keep_percent: int, by: Actor, role: str) -> None:
    now = clock.now()
    take_step(dispute, "enter_return")
    dispute.status = Dispute.Status.AWAITING_RETURN
    dispute.return_keep_percent = keep_percent
    dispute.return_shipped_at = None
    lapse_proposals(dispute, now=now)
    cancel(dispute, SELLER_RESPONSE, AUTO_ESCALATE, reason="return agreed")
    close_info_requests(dispute, reason="return agreed")
    schedule(
        RETURN_SHIP,
        due_at=now + dispute.order.policy.return_ship_due,
        subject=dispute,
        party="buyer",
        now=now,
    )
    audit.record(events.DISPUTE_RETURN_STARTED, subject=dispute, by=by, role=role, data={"keep_percent": keep_percent})


def enter_redelivery(dispute: Dispute, *, by: Actor, role: str) -> None:
    now = clock.now()
    take_step(dispute, "enter_redelivery")
    dispute.status = Dispute.Status.AWAITING_REDELIVERY
    dispute.redelivered_at = None
    lapse_proposals(dispute, now=now)
    cancel(dispute, SELLER_RESPONSE, AUTO_ESCALATE, reason="redelivery agreed")
    close_info_requests(dispute, reason="redelivery agreed")
    schedule(REDELIVERY, due_at=now + dispute.order.policy.redelivery_due, subject=dispute, party="seller", now=now)
    audit.record(events.DISPUTE_REDELIVERY_STARTED, subject=dispute, by=by, role=role)


def apply(
    dispute: Dispute,
    effect: Effect,
    *,
    by: Actor,
    role: str,
    decided_by: str,
    note: str = "",
    findings: Sequence[str] = (),
) -> None:
    """Carries out an agreed or decided effect: the money moves now, or the case moves on to a
    return or a redelivery. Who decided it (and why) is recorded now, so that the return's
    eventual refund is credited to this decision and not to an earlier one."""
    dispute.decided_by, dispute.resolution_note = decided_by, note
    record_findings(dispute, findings)
    if effect.kind == "await_return":
        enter_return(dispute, keep_percent=effect.keep_percent or 0, by=by, role=role)
    elif effect.kind == "await_redelivery":
        enter_redelivery(dispute, by=by, role=role)
    else:
        resolve(
            dispute,
            buyer_refund=effect.buyer_refund,
            outcome=effect.outcome,
            decided_by=decided_by,
            by=by,
            role=role,
            note=note,
            findings=findings,
        )


def record_findings(dispute: Dispute, findings: Sequence[str]) -> None:
    dispute.findings = list(findings)
    dispute.seller_error = "seller_error" in dispute.findings


def resolve(
    dispute: Dispute,
    *,
    buyer_refund: int,
    outcome: str,
    decided_by: str,
    by: Actor,
    role: str,
    note: str = "",
    findings: Sequence[str] = (),
) -> None:
    """Ends the dispute: settles the order's escrow once, closes everything still open, and
    stores the statement of reasons (also in the `dispute.resolved` event, hence its webhook)."""
    take_step(dispute, "resolve")
    split = order_actions.settle_dispute(dispute.order, buyer_refund=buyer_refund, by=by, role=role)
    dispute.status = Dispute.Status.RESOLVED
    dispute.resolved_at = clock.now()
    lapse_proposals(dispute, now=dispute.resolved_at)
    dispute.outcome = outcome
    dispute.decided_by = decided_by
    if decided_by != "administrator" or role == "staff":  # else a decision's return or appeal window ended
        dispute.decided_by_user = None if isinstance(by, SystemActor) else by
    dispute.resolution_note = note
    record_findings(dispute, findings)
    dispute.pending_decision = None
    dispute.settlement = split.as_dict()
    decider: Actor = dispute.decided_by_user if dispute.decided_by_user and decided_by == "administrator" else by
    dispute.reasons = reasons.statement(
        dispute,
        outcome=outcome,
        split=split,
        decided_by=decided_by,
        by=decider,
        note=note,
        findings=dispute.findings,
        appeal_until=dispute.appeal_until,
    )
    close_info_requests(dispute, reason="dispute resolved")
    deadlines.cancel(subject=dispute, reason="dispute resolved")
    audit.record(
        events.DISPUTE_RESOLVED,
        subject=dispute,
        by=by,
        role=role,
        data={"outcome": outcome, "decided_by": decided_by, **dispute.settlement, "reasons": dispute.reasons},
    )
    shown = resolution_of(dispute)  # the mail states the settlement as the case's read model does
    if shown is None:  # only a resolved case with its settlement stored has one: set just above
        raise RuntimeError(f"{dispute.public_id} was resolved without a resolution to tell")
    notify_parties(
        dispute,
        code="dispute.resolved",
        title=lambda: _("Dispute %(public_id)s is resolved") % {"public_id": dispute.public_id},
        body=lambda: (
            _("Outcome: %(outcome)s (%(decided_by)s). %(to_buyer)s to the buyer, %(seller_payout)s to the seller.")
            % {
                "outcome": timeline.word("outcome", shown.outcome),
                "decided_by": timeline.word("decided_by", shown.decided_by),
                "to_buyer": shown.split.to_buyer,
                "seller_payout": shown.split.seller_payout,
            }
            + ((" " + _("Reasons: %(note)s") % {"note": shown.note}) if shown.note else "")
            + " "
            + _("The statement of reasons is on the dispute page.")
        ),
    )


# Where only the parties can move the case on, so a case left alone sits there (igitems).
IDLE_STATES = frozenset({Dispute.Status.AWAITING_SELLER, Dispute.Status.NEGOTIATING})


def _rearm_idle_reminder(dispute: Dispute) -> None:
    """Every action on the case restarts its idle period (policy `idle_dispute_reminder_after`)."""
    period = dispute.order.policy.idle_dispute_reminder_after
    if period is None:
        return
    deadlines.cancel(subject=dispute, kinds=[IDLE], reason="the case moved")
    if dispute.status in IDLE_STATES:
        deadlines.schedule(kind=IDLE, due_at=clock.now() + period, subject=dispute, party="")


def finish(dispute: Dispute) -> None:
    """The last step of every dispute action: recomputes who the case waits on and saves the
    dispute (the steps above only change it in memory)."""
    buyer = seller = staff = False
    status = dispute.status
    if status == Dispute.Status.AWAITING_SELLER:
        seller = True
    elif status == Dispute.Status.NEGOTIATING:
        authors = set(dispute.proposals.filter(status=Proposal.Status.OPEN).values_list("author_role", flat=True))
        buyer, seller = ("seller" in authors, "buyer" in authors) if authors else (True, True)
    elif dispute.step:  # a return's or a redelivery's step waits on one party
        buyer, seller = STEP_WAITS_ON[dispute.step] == "buyer", STEP_WAITS_ON[dispute.step] == "seller"
    elif status == Dispute.Status.ESCALATED:
        asked = set(dispute.info_requests.filter(status=InfoRequest.Status.OPEN).values_list("party", flat=True))
        buyer, seller, staff = "buyer" in asked, "seller" in asked, not asked
    elif status == Dispute.Status.DECIDED:  # each party may still appeal or accept
        buyer, seller = "buyer" not in dispute.decision_accepted_by, "seller" not in dispute.decision_accepted_by
    elif status == Dispute.Status.APPEALED:
        staff = True
    dispute.waiting_on_buyer, dispute.waiting_on_seller, dispute.waiting_on_staff = buyer, seller, staff
    dispute.save()
    _rearm_idle_reminder(dispute)
