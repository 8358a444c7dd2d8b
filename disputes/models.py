from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import limits
from core.ids import PublicIdField
from disputes.states import NO_STEP, STEP_STATUS


class Reason(models.TextChoices):
    NOT_RECEIVED = "not_received", _("Not received")
    INCOMPLETE = "incomplete", _("Incomplete")
    INCORRECT = "incorrect", _("Incorrect")
    DEFECTIVE = "defective", _("Defective")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    OTHER = "other", _("Other")
    # Reasons that show only later: a buyer may dispute for them during a warranty
    # (the policy's `warranty_reasons`), after the order completed.
    ACCOUNT_RECOVERED = "account_recovered", _("The seller recovered the account")
    KEY_REVOKED = "key_revoked", _("The key was revoked")


class ProposalKind(models.TextChoices):
    FULL_DELIVERY = "full_delivery", _("Full delivery")
    REPLACEMENT = "replacement", _("Replacement or fix")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    FULL_REFUND = "full_refund", _("Full refund")
    RETURN_AND_REFUND = "return_and_refund", _("Return and refund")
    WITHDRAW = "withdraw", _("Withdraw the dispute (release the money to the seller)")


class DecisionOutcome(models.TextChoices):
    """What the administration may decide (`mediation.decide`)."""

    FULL_REFUND = "full_refund", _("Full refund to the buyer")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    RELEASE_TO_SELLER = "release_to_seller", _("Release the money to the seller")
    RETURN_AND_REFUND = "return_and_refund", _("Return, then refund")


# The reasons a dispute may be opened for at any time; the others only during a warranty.
OPENING_REASONS = tuple(r for r in Reason if r not in (Reason.ACCOUNT_RECOVERED, Reason.KEY_REVOKED))
# What a buyer may ask for when opening a dispute: any proposal but withdrawing it.
REQUEST_KINDS = tuple(k for k in ProposalKind if k != ProposalKind.WITHDRAW)


def step_beside_status() -> models.Q:
    """A step stands beside its own status, and each status that has steps is at one of them."""
    with_steps = sorted(set(STEP_STATUS.values()))
    beside = models.Q(step=NO_STEP) & ~models.Q(status__in=with_steps)
    for status in with_steps:
        beside |= models.Q(status=status, step__in=sorted(s for s, of in STEP_STATUS.items() if of == status))
    return beside


def step_matches_its_times() -> models.Q:
    """A step agrees with the times its moves leave: the return is sent once it is shipped, the
    item redelivered once it is. A writer that moved a time but not the step (the code of an
    earlier release) fails loudly instead of leaving a case that no move can finish."""
    return (
        (~models.Q(step="return_shipping") | models.Q(return_shipped_at__isnull=True))
        & (~models.Q(step="return_receiving") | models.Q(return_shipped_at__isnull=False))
        & (~models.Q(step="redelivering") | models.Q(redelivered_at__isnull=True))
        & (~models.Q(step="redelivery_confirming") | models.Q(redelivered_at__isnull=False))
    )


# What a dispute waiting for the administration is due by in the staff queue: its decision
# target, else since when it has waited (under a policy without a target). The escalation last:
# a case escalated by a process of the release before this field (during `parley deploy`) has
# none stored, and waits from its escalation.
STAFF_DUE = Coalesce("decision_due_at", "staff_waiting_since", "escalated_at")


class Dispute(models.Model):
    class Step(models.TextChoices):
        """Whose move it is inside a return or a redelivery (`disputes.states.STEP_TRANSITIONS`)."""

        NONE = NO_STEP, "—"
        RETURN_SHIPPING = "return_shipping", "The buyer sends the item back"
        RETURN_RECEIVING = "return_receiving", "The seller confirms it arrived"
        REDELIVERING = "redelivering", "The seller delivers again"
        REDELIVERY_CONFIRMING = "redelivery_confirming", "The buyer confirms the new delivery"

    class Status(models.TextChoices):
        AWAITING_SELLER = "awaiting_seller", _("Awaiting the seller")
        NEGOTIATING = "negotiating", _("Negotiating")
        AWAITING_RETURN = "awaiting_return", _("Awaiting return")
        AWAITING_REDELIVERY = "awaiting_redelivery", _("Awaiting redelivery")
        ESCALATED = "escalated", _("Escalated")
        DECIDED = "decided", _("Decided, open to appeal")
        APPEALED = "appealed", _("Appealed")
        RESOLVED = "resolved", _("Resolved")

    class DecidedBy(models.TextChoices):
        AGREEMENT = "agreement"
        ADMINISTRATOR = "administrator"
        TIMEOUT = "timeout"
        FORFEIT = "forfeit"
        WITHDRAWAL = "withdrawal"

    public_id = PublicIdField(prefix="dsp")
    # The marketplace's own references (integrations.metadata: at most 20 short keys).
    metadata = models.JSONField(default=dict, blank=True)
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="disputes")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    description = models.TextField(max_length=limits.LONG_TEXT)
    requested_outcome = models.JSONField()  # {"kind": ..., "refund_amount"?: int}
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.AWAITING_SELLER)
    # `db_default` too: a process of the release before steps (during `parley deploy`) inserts
    # disputes without naming the column.
    step = models.CharField(max_length=24, choices=Step.choices, default=Step.NONE, db_default=NO_STEP, blank=True)
    opened_at = models.DateTimeField()
    terms_accepted_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalated_by = models.CharField(max_length=16, blank=True)  # buyer, seller or system
    # Who the case is waiting on, kept by every action so "Awaiting me" is one indexed query.
    waiting_on_buyer = models.BooleanField(default=False)
    waiting_on_seller = models.BooleanField(default=True)
    waiting_on_staff = models.BooleanField(default=False)
    # A return or redelivery agreed (or decided) and its progress.
    return_keep_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    return_shipped_at = models.DateTimeField(null=True, blank=True)
    redelivered_at = models.DateTimeField(null=True, blank=True)
    redelivery_note = models.TextField(blank=True, max_length=limits.LONG_TEXT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_disputes",
    )
    # The resolution: what happened, who or what decided, and the money moved.
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, blank=True)
    decided_by = models.CharField(max_length=16, choices=DecidedBy.choices, blank=True)
    decided_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True, max_length=limits.LONG_TEXT)
    seller_error = models.BooleanField(default=False)  # kept in step with "seller_error" in findings
    settlement = models.JSONField(null=True, blank=True)  # buyer_refund, fee_refund, seller_payout, platform_fee
    # The mediator's findings (disputes.outcomes.FINDINGS) and the statement of reasons of the
    # outcome (disputes.reasons), stored as the parties were shown them.
    findings = models.JSONField(default=list, blank=True)
    reasons = models.JSONField(null=True, blank=True)
    # Decision target (policy `decision_target`): when the administration aims to have decided.
    decision_due_at = models.DateTimeField(null=True, blank=True)
    # Since when the case has waited for the administration: its escalation, or the latest answer
    # or forfeit of one of its questions (`disputes.lifecycle.staff_waits_since`). Set by the
    # actions that change it, so the staff queue sorts by a column, not by subqueries per row.
    staff_waiting_since = models.DateTimeField(null=True, blank=True)
    # A decision waiting for its appeal window (policy `appeal_window`): its terms, settled when
    # the window closes, both parties accept it, or replaced by the decision on appeal.
    pending_decision = models.JSONField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    appeal_until = models.DateTimeField(null=True, blank=True)
    first_decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_accepted_by = models.JSONField(default=list, blank=True)  # "buyer", "seller"
    appealed_at = models.DateTimeField(null=True, blank=True)
    appealed_by = models.CharField(max_length=8, blank=True)  # buyer or seller
    appeal_reason = models.TextField(blank=True, max_length=limits.LONG_TEXT)

    class Meta:
        constraints: ClassVar[list[Any]] = [
            models.UniqueConstraint(
                fields=["order"], condition=~models.Q(status="resolved"), name="one_open_dispute_per_order"
            ),
            models.CheckConstraint(condition=step_beside_status(), name="dispute_step_beside_status"),
            models.CheckConstraint(condition=step_matches_its_times(), name="dispute_step_matches_its_times"),
        ]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["status", "id"], name="dispute_status"),
            # The staff queue's disputes: escalated or appealed and waiting for the administration,
            # a few among many, found without reading the rest. Its condition is the queue's
            # filter (`desk.queries`), so the planner can use it; an index on escalated disputes
            # alone was passed over for a full scan once appeals joined the queue. Its key is the
            # queue's order (`STAFF_DUE`, then id), so a page is the index's first rows.
            models.Index(
                STAFF_DUE,
                "id",
                name="dispute_staff_inbox",
                condition=models.Q(status__in=["escalated", "appealed"], waiting_on_staff=True),
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def audit_case_id(self) -> int:
        return self.order_id

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.RESOLVED


class Proposal(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Superseded")  # its author made a newer one
        LAPSED = "lapsed", _("Lapsed")  # the dispute ended another way

    public_id = PublicIdField(prefix="prp")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="proposals")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(max_length=8)  # buyer or seller
    kind = models.CharField(max_length=24, choices=ProposalKind.choices)
    refund_amount = models.BigIntegerField(null=True, blank=True)  # partial refunds, minor units
    seller_keep_percent = models.PositiveSmallIntegerField(null=True, blank=True)  # returns
    note = models.TextField(blank=True, max_length=limits.NOTE)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["dispute", "id"], name="proposal_dispute")]

    def __str__(self) -> str:
        return f"{self.kind} by {self.author_role}"

    @property
    def audit_case_id(self) -> int:
        return self.dispute.order_id


class InfoRequest(models.Model):
    """The administration asks one party for information, with a deadline."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("status", "Open")
        ANSWERED = "answered", _("Answered")
        FORFEITED = "forfeited", _("Forfeited")
        CLOSED = "closed", _("Closed")  # the case left mediation (resolved, or a return or redelivery agreed) first

    public_id = PublicIdField(prefix="inf")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="info_requests")
    party = models.CharField(max_length=8)  # buyer or seller
    question = models.TextField(max_length=limits.LONG_TEXT)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(blank=True, max_length=limits.LONG_TEXT)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [models.Index(fields=["dispute", "status"], name="inforequest_open")]

    def __str__(self) -> str:
        return f"question to the {self.party}"

    @property
    def audit_case_id(self) -> int:
        return self.dispute.order_id


def evidence_path(instance: Evidence, filename: str) -> str:
    # Server-generated names only: nothing of the uploaded file name reaches the disk.
    return f"evidence/{instance.dispute.public_id}/{instance.public_id}{instance.extension}"


class Evidence(models.Model):
    """An uploaded file, hashed and immutable: part of the case file."""

    public_id = PublicIdField(prefix="evd")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="evidence")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploader_role = models.CharField(max_length=8)
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=40)
    extension = models.CharField(max_length=8)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)  # of the stored bytes
    upload_sha256 = models.CharField(max_length=64)  # of the bytes as uploaded (images are re-encoded)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("evidence is immutable once submitted")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("evidence is immutable once submitted")

    @property
    def audit_case_id(self) -> int:
        return self.dispute.order_id

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class InternalNote(models.Model):
    """A mediator's note on a case for the administration alone: never shown to a party, never in
    the party API, the case's timeline, its export or a webhook."""

    public_id = PublicIdField(prefix="dnt")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="internal_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField()

    class Meta:
        ordering: ClassVar[list[str]] = ["created_at", "id"]

    def __str__(self) -> str:
        return f"internal note on {self.dispute_id}"
