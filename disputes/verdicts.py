"""Who may do what to a dispute, now: the transition table, the policy's windows and the refund
rules. `verdict()` is what the actions enforce and what `allowed_actions` shows."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.models import User
from core import locale
from core.actors import Actor
from core.deadlines import due
from core.models import Deadline
from core.transitions import Verdict, check, check_step, choice_label
from disputes.kinds import ESCALATING, REMINDER_SUFFIX, SELLER_RESPONSE
from disputes.models import Dispute, InfoRequest, Proposal
from disputes.states import PERSON_ACTIONS, STEP_TRANSITIONS, TRANSITIONS
from orders.verdicts import roles_of as order_roles
from policy import rules


def roles_of(dispute: Dispute, actor: Actor) -> frozenset[str]:
    return order_roles(dispute.order, actor)


def party_of(dispute: Dispute, user: User) -> str | None:
    roles = roles_of(dispute, user)
    return "buyer" if "buyer" in roles else "seller" if "seller" in roles else None


def status_label(dispute: Dispute) -> str:
    """The state's name as the policy's marketplace calls it ("Involvement of the administration")."""
    if dispute.status == Dispute.Status.ESCALATED:
        return dispute.order.policy.escalated_label
    return choice_label(Dispute.Status, dispute.status)


class _Unread:
    """`passed` not read yet: the verdict reads it (one query)."""


UNREAD = _Unread()
Passed = Deadline | None | _Unread


def verdict(dispute: Dispute, action: str, *, by: Actor, now: datetime, passed: Passed = UNREAD) -> Verdict:
    """`passed` is the case's `passed_deadline` at `now`, when the caller has read it already
    (a read model judging many actions at one instant)."""
    roles = roles_of(dispute, by)
    base = check(TRANSITIONS, action, state=dispute.status, roles=roles, describe_state=lambda: _describe(dispute))
    if not base.allowed:
        if action == "escalate" and dispute.status == Dispute.Status.ESCALATED:
            return Verdict(action, False, "already_escalated", _("The administration is already involved."))
        if action == "appeal" and base.code == "not_allowed_in_state":
            return _no_appeal(dispute) or base
        return base
    if TRANSITIONS[action].waits_for_due_deadline and roles & {"buyer", "seller", "staff"}:
        if isinstance(passed, _Unread):
            passed = passed_deadline(dispute, now)
        if passed is not None and not (action == "escalate" and _escalates(dispute, passed, roles=roles)):
            return Verdict(
                action,
                False,
                "deadline_passed",
                _(
                    "A deadline of this dispute passed on %(due_at)s and Parley is carrying out what "
                    "it said would happen then. Reload in a moment."
                )
                % {"due_at": locale.when(passed.due_at)},
            )
    at_step = check_step(STEP_TRANSITIONS, action, step=dispute.step)
    if not at_step.allowed:
        return at_step
    if action == "decide" and dispute.status == Dispute.Status.APPEALED and _is(by, dispute.first_decider_id):
        return Verdict(action, False, "forbidden", _("An appeal is decided by another staff member than the first."))
    special = _SPECIAL.get(action)
    return special(dispute, roles=roles, now=now) if special else base


def _is(actor: Actor, user_id: int | None) -> bool:
    return isinstance(actor, User) and user_id is not None and actor.pk == user_id


def passed_deadline(dispute: Dispute, now: datetime) -> Deadline | None:
    """The earliest deadline of the case (or of its open questions) that is due at `now` but not
    applied yet; reminders do not count. One query; a read model reads it with the case's other
    deadlines instead (`disputes.read_model`)."""
    questions = InfoRequest.objects.filter(dispute_id=dispute.pk).values("pk")
    return (
        Deadline.objects.filter(due(now))
        .filter(
            Q(subject_type="dispute", subject_id=dispute.pk) | Q(subject_type="inforequest", subject_id__in=questions)
        )
        .exclude(kind__endswith=REMINDER_SUFFIX)
        .order_by("due_at", "id")
        .first()
    )


def _escalates(dispute: Dispute, deadline: Deadline, *, roles: frozenset[str]) -> bool:
    """Does this deadline bring in the administration by itself, and was it someone else's to
    meet? Then a party escalating at the same moment changes only who is named as escalating.
    The party who missed the step may not: the miss must reach the mediator as a miss."""
    if deadline.party and deadline.party in roles:
        return False
    if deadline.kind == SELLER_RESPONSE:
        return dispute.order.policy.seller_silence_action == "escalate"
    return deadline.kind in ESCALATING


def _describe(dispute: Dispute) -> str:
    # Russian says «пока статус — завершён»: the translation keeps only the status.
    if dispute.status == Dispute.Status.RESOLVED:
        return _("the dispute is resolved")
    return _("the dispute is %(status)s") % {"status": status_label(dispute).lower()}


def _escalate(dispute: Dispute, *, roles: frozenset[str], now: datetime) -> Verdict:
    policy = dispute.order.policy
    if not roles & set(policy.escalation_parties):
        only = " or ".join(policy.escalation_parties)
        return Verdict(
            "escalate", False, "forbidden", _("Under these rules only the %(only)s can escalate.") % {"only": only}
        )
    if dispute.step == Dispute.Step.REDELIVERY_CONFIRMING and "buyer" in roles:
        # The buyer disputes what was delivered again: the parties' agreement has run its
        # course, so the case may go to the administration before the confirmation window ends.
        return Verdict.yes("escalate")
    opens_at = rules.escalation_opens_at(policy, opened_at=dispute.opened_at)
    if now < opens_at:
        return Verdict(
            "escalate",
            False,
            "escalation_too_early",
            _("You can ask the administration to step in %(humane)s after the dispute was opened.")
            % {"humane": rules.humane(policy.escalation_available_after)},
            available_at=opens_at,
        )
    return Verdict.yes("escalate")


def _answer_info(dispute: Dispute, *, roles: frozenset[str], now: datetime) -> Verdict:
    parties = roles & {"buyer", "seller"}
    asked = {r.party for r in dispute.info_requests.all() if r.status == "open"}  # prefetched in lists
    if not asked & parties:
        return Verdict(
            "answer_info", False, "not_allowed_in_state", _("The administration has not asked you anything.")
        )
    return Verdict.yes("answer_info")


def _no_appeal(dispute: Dispute) -> Verdict | None:
    """Why a case outside `decided` cannot be appealed, when an appeal was part of its course."""
    if dispute.appealed_at is not None:
        return Verdict(
            "appeal", False, "already_appealed", _("The decision was already appealed; the second is final.")
        )
    if dispute.appeal_until is not None:
        return Verdict(
            "appeal",
            False,
            "appeal_window_closed",
            _("The appeal window closed on %(appeal_until)s.") % {"appeal_until": locale.when(dispute.appeal_until)},
        )
    return None


def _appeal(dispute: Dispute, *, roles: frozenset[str], now: datetime) -> Verdict:
    if dispute.appealed_at is not None:  # once per case (API.md)
        return _no_appeal(dispute) or Verdict("appeal", False, "already_appealed", _("Already appealed."))
    if dispute.appeal_until is None or now >= dispute.appeal_until:
        return _no_appeal(dispute) or Verdict("appeal", False, "appeal_window_closed", _("The appeal window closed."))
    return Verdict.yes("appeal")


def _accept_decision(dispute: Dispute, *, roles: frozenset[str], now: datetime) -> Verdict:
    if roles & set(dispute.decision_accepted_by):
        return Verdict("accept_decision", False, "not_allowed_in_state", _("You already accepted the decision."))
    return Verdict.yes("accept_decision")


_SPECIAL = {
    "appeal": _appeal,
    "accept_decision": _accept_decision,
    "escalate": _escalate,
    "answer_info": _answer_info,
}


def proposal_verdict(proposal: Proposal, action: str, *, by: Actor, now: datetime, passed: Passed = UNREAD) -> Verdict:
    """May `by` accept (or reject) this proposal now?"""
    dispute = proposal.dispute
    base = verdict(dispute, action, by=by, now=now, passed=passed)
    if not base.allowed:
        return base
    if proposal.status != Proposal.Status.OPEN:
        return Verdict(
            action, False, "not_allowed_in_state", _("This proposal is %(status)s.") % {"status": proposal.status}
        )
    if proposal.author_role in roles_of(dispute, by):
        return Verdict(action, False, "forbidden", _("Only the other side can answer your proposal."))
    return Verdict.yes(action)


def allowed_actions(dispute: Dispute, *, user: User, now: datetime, passed: Passed = UNREAD) -> list[Verdict]:
    """The verdicts on every step `user` has a role for, at one instant (one look at the deadlines)."""
    roles = roles_of(dispute, user)
    mine = [action for action in PERSON_ACTIONS if roles & TRANSITIONS[action].roles]
    if isinstance(passed, _Unread) and any(TRANSITIONS[action].waits_for_due_deadline for action in mine):
        passed = passed_deadline(dispute, now)
    return [verdict(dispute, action, by=user, now=now, passed=passed) for action in mine]
