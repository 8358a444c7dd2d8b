"""Reads of disputes, always scoped to who is asking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from accounts.models import User
from chat import queries as chat_queries
from core import clock, timeline
from core.deadlines import is_due
from core.errors import NotFound, ValidationFailed
from core.lookups import by_unique_key
from core.models import Deadline
from disputes import deadlines as dispute_deadlines
from disputes.kinds import AUTO_ESCALATE, INFO_ANSWER, SELLER_RESPONSE, is_reminder
from disputes.models import Dispute, Evidence, InfoRequest, Proposal
from disputes.outcomes import proposal_effect, split_of
from orders.models import Order
from orders.queries import DeadlineView
from orders.verdicts import can_see
from policy import rules
from policy.rules import Split

TABS = ("open", "awaiting_me", "escalated", "closed")
WITH_ADMINISTRATION = (Dispute.Status.ESCALATED, Dispute.Status.DECIDED, Dispute.Status.APPEALED)


def disputes_for(user: User, *, tab: str = "open") -> QuerySet[Dispute]:
    """The disputes on the user's orders (staff: all), filtered by the disputes page's tab."""
    if tab not in TABS:
        raise ValidationFailed(
            _("tab must be one of %(join)s.") % {"join": ", ".join(TABS)}, fields={"tab": ["unknown"]}
        )
    # The staff a case names are read for the whole page by the read model (`with_staff`):
    # three more outer joins of the user table under the keyset's ORDER BY … LIMIT cost
    # PostgreSQL more to plan than that query costs to run.
    qs = Dispute.objects.select_related("order__buyer", "order__seller", "order__policy_version")
    qs = qs.prefetch_related("info_requests")  # read by the answer_info verdict
    mine = Q(order__buyer=user) | Q(order__seller=user)
    if not user.is_staff:
        qs = qs.filter(mine)
    if tab == "open":
        return qs.exclude(status=Dispute.Status.RESOLVED)
    if tab == "escalated":  # with the administration: escalated, decided (open to appeal) or appealed
        return qs.filter(status__in=WITH_ADMINISTRATION)
    if tab == "closed":
        return qs.filter(status=Dispute.Status.RESOLVED)
    waiting = Q(waiting_on_buyer=True, order__buyer=user) | Q(waiting_on_seller=True, order__seller=user)
    if user.is_staff:
        waiting |= Q(waiting_on_staff=True) & ~mine
    return qs.filter(waiting)


def get_dispute_for(user: User, public_id: str) -> Dispute:
    """The dispute with its order, parties and policy version, and the staff it names."""
    dispute = by_unique_key(
        Dispute.objects.select_related("order__buyer", "order__seller", "order__policy_version").filter(
            public_id=public_id
        )
    )
    if dispute is None or not can_see(dispute.order, user):
        raise NotFound(_("No such dispute."))
    with_staff([dispute])
    return dispute


STAFF_LINKS = ("assignee", "decided_by_user", "first_decider")


def with_staff(disputes: Sequence[Dispute], *, every_page: bool = False) -> None:
    """Puts the staff the disputes name (assignee, decider, first decider) on them, in one query,
    none when they name nobody (most cases never reach staff). Three more outer joins of the
    user table in the case's own read cost PostgreSQL more to plan than this query to run.

    `every_page`: a list reads them even when its page names nobody (the database finds whom
    the page's disputes name), so that every page costs the same queries whoever its rows name."""
    if every_page:
        # The users the page's disputes name, found by the database: one query, whoever they are.
        named = Dispute.objects.filter(pk__in=[d.pk for d in disputes])
        either = Q()
        for link in STAFF_LINKS:
            either |= Q(pk__in=named.values(f"{link}_id"))
        people = {u.pk: u for u in User.objects.filter(either)} if disputes else {}
    else:
        ids = {getattr(d, f"{link}_id") for d in disputes for link in STAFF_LINKS} - {None}
        people = User.objects.in_bulk(ids) if ids else {}
    for dispute in disputes:
        for link in STAFF_LINKS:
            pk = getattr(dispute, f"{link}_id")
            setattr(dispute, link, people[pk] if pk is not None else None)


def proposals_of(dispute: Dispute) -> list[Proposal]:
    rows = list(dispute.proposals.select_related("author").order_by("id"))
    for row in rows:
        row.dispute = dispute
    return rows


def preview_of(proposal: Proposal) -> Split:
    """Where the money goes if this proposal is accepted (after a return or redelivery)."""
    order = proposal.dispute.order
    effect = proposal_effect(
        order,
        kind=proposal.kind,
        refund_amount=proposal.refund_amount,
        keep_percent=proposal.seller_keep_percent,
    )
    return split_of(order, effect)


def get_proposal_for(user: User, dispute: Dispute, public_id: str) -> Proposal:
    proposal = dispute.proposals.filter(public_id=public_id).first()
    if proposal is None:
        raise NotFound(_("No such proposal."))
    proposal.dispute = dispute
    return proposal


def evidence_of(dispute: Dispute) -> list[Evidence]:
    return list(dispute.evidence.select_related("uploaded_by").order_by("id"))


def get_evidence_for(user: User, public_id: str, *, dispute_id: str | None = None) -> Evidence:
    """An evidence file the user may see (of the given dispute, when one is named)."""
    qs = Evidence.objects.select_related("dispute__order").filter(public_id=public_id)
    if dispute_id is not None:
        qs = qs.filter(dispute__public_id=dispute_id)
    item = qs.first()
    if item is None or not can_see(item.dispute.order, user):
        raise NotFound(_("No such file."))
    return item


def info_requests_of(dispute: Dispute) -> list[InfoRequest]:
    rows = list(dispute.info_requests.select_related("asked_by").order_by("id"))
    for row in rows:
        row.dispute = dispute
    return rows


def get_info_request_for(dispute: Dispute, public_id: str) -> InfoRequest:
    found = dispute.info_requests.filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("No such information request."))
    return found


@dataclass(frozen=True, slots=True)
class CaseDeadlines:
    """A case's running deadlines at one instant: as shown (soonest first), the first one that
    has passed unapplied (what the verdicts defer to), and the automatic escalation that comes
    no later than a party may escalate."""

    shown: list[DeadlineView]
    passed: Deadline | None
    auto_escalation: datetime | None


def deadlines_of(dispute: Dispute) -> list[DeadlineView]:
    """The dispute's running deadlines (its own and its information requests'), soonest first."""
    return deadlines_of_many([dispute])[dispute.pk]


def deadlines_of_many(disputes: Sequence[Dispute]) -> dict[int, list[DeadlineView]]:
    return {pk: found.shown for pk, found in read_deadlines(disputes, now=clock.now()).items()}


def read_deadlines(disputes: Sequence[Dispute], *, now: datetime) -> dict[int, CaseDeadlines]:
    """The deadlines of a page of disputes in one query (two when their questions are not
    prefetched): what `deadlines_of` shows, and what the verdicts need to know at `now`."""
    by_id = {d.pk: d for d in disputes}
    prefetch_related_objects(list(disputes), "info_requests")
    question_of = {r.pk: d.pk for d in disputes for r in d.info_requests.all()}
    found = Deadline.objects.filter(
        Q(subject_type="dispute", subject_id__in=list(by_id))
        | Q(subject_type="inforequest", subject_id__in=list(question_of)),
        status=Deadline.Status.PENDING,
    ).order_by("due_at", "id")
    rows = list(found)
    # What a forfeit or the seller's silence would give depends on the buyer's standing request.
    asking = {question_of.get(r.subject_id) for r in rows if r.kind == INFO_ANSWER} | {
        r.subject_id for r in rows if r.kind == SELLER_RESPONSE and r.subject_type == "dispute"
    }
    prefetch_related_objects([by_id[pk] for pk in asking if pk in by_id], "proposals")
    views: dict[int, list[DeadlineView]] = {pk: [] for pk in by_id}
    passed: dict[int, Deadline | None] = dict.fromkeys(by_id)
    auto: dict[int, datetime | None] = dict.fromkeys(by_id)
    for row in rows:
        dispute_id = row.subject_id if row.subject_type == "dispute" else question_of[row.subject_id]
        if passed[dispute_id] is None and is_due(row, now) and not is_reminder(row.kind):
            passed[dispute_id] = row
        if row.kind == AUTO_ESCALATE and row.subject_type == "dispute" and auto[dispute_id] is None:
            auto[dispute_id] = row.due_at
        text = dispute_deadlines.consequence(row, by_id[dispute_id])
        if text is not None:
            views[dispute_id].append(
                DeadlineView(name=row.kind.split(".", 1)[1], at=row.due_at, party=row.party or None, consequence=text)
            )
    for dispute in disputes:
        target = decision_target_view(dispute)
        if target is not None:
            views[dispute.pk].append(target)
            views[dispute.pk].sort(key=lambda v: v.at)
    return {d.pk: CaseDeadlines(views[d.pk], passed[d.pk], _escalates_by_itself_first(d, auto[d.pk])) for d in disputes}


def _escalates_by_itself_first(dispute: Dispute, auto_escalation: datetime | None) -> datetime | None:
    """When the automatic escalation comes no later than a party may escalate (difmark: both at
    72 hours), the button could never be pressed: the moment of the automatic escalation, for
    the page to say so instead of showing a button; None otherwise."""
    if auto_escalation is None or dispute.status not in (Dispute.Status.AWAITING_SELLER, Dispute.Status.NEGOTIATING):
        return None
    opens = rules.escalation_opens_at(dispute.order.policy, opened_at=dispute.opened_at)
    return auto_escalation if auto_escalation <= opens else None


def decision_target_view(dispute: Dispute) -> DeadlineView | None:
    """The administration's own obligation (`decision_target`): a target, not a timer, so no
    deadline row; shown beside the others while the case waits for a decision."""
    if dispute.decision_due_at is None or dispute.status not in (Dispute.Status.ESCALATED, Dispute.Status.APPEALED):
        return None
    return DeadlineView(
        name="decision_target",
        at=dispute.decision_due_at,
        party="staff",
        consequence=f"the administration aims to decide by {dispute.decision_due_at:%d %b %Y %H:%M} UTC",
    )


def disputable_orders(user: User, *, limit: int = 50) -> QuerySet[Order]:
    """The user's purchases a dispute could be about (or already is): paid, delivered, disputed."""
    return (
        Order.objects.filter(buyer=user, status__in=[Order.Status.PAID, Order.Status.DELIVERED, Order.Status.DISPUTED])
        .select_related("buyer", "seller", "policy_version")
        .order_by("-id")[:limit]
    )


def case_record(order_id: int, events: Sequence[timeline.TimelineItem] | None = None) -> list[dict[str, Any]]:
    """Both chats and every event of a case (`events`, when already read), in one chronological
    record (the case view)."""
    entries: list[dict[str, Any]] = [
        {
            "at": m.created_at,
            "kind": f"{m.channel} chat",
            "who": m.author.username if m.author else "Parley",
            "role": m.author_role,
            "text": m.body,
            "flags": m.flags,
            "flag_reasons": m.flag_reasons,
        }
        for channel in ("order", "dispute")
        for m in chat_queries.thread(order_id, channel)
    ]
    entries += [
        {"at": t.at, "kind": "event", "who": t.actor, "role": t.actor_role, "text": t.text, "flags": []}
        for t in (timeline.for_case(order_id) if events is None else events)
    ]
    return sorted(entries, key=lambda e: e["at"])
