"""Support tickets (requests to the administration that are not disputes) and the contacts page."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import limits
from core.files import EXTENSIONS
from core.ids import PublicIdField
from policy.models import PolicyVersion
from policy.schema import Policy

MAX_SUBJECT = 200
MAX_BODY = 5000


class Ticket(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("ticket status", "Open")  # waiting for the administration
        ANSWERED = "answered", pgettext_lazy("ticket status", "Answered")  # waiting for the owner
        RESOLVED = "resolved", pgettext_lazy("ticket status", "Resolved")

    class Category(models.TextChoices):
        ACCOUNT = "account", _("My account")
        PAYMENT = "payment", _("Payments and wallet")
        ORDER = "order", _("An order")
        DISPUTE = "dispute", _("A dispute")
        TECHNICAL = "technical", _("Something does not work")
        OTHER = "other", _("Something else")

    public_id = PublicIdField(prefix="tkt")
    # The marketplace's own references (integrations.metadata: at most 20 short keys).
    metadata = models.JSONField(default=dict, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tickets")
    subject = models.CharField(max_length=MAX_SUBJECT)
    category = models.CharField(max_length=16, choices=Category.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    # The order the ticket concerns: one of the owner's, as buyer or seller.
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets")
    # A dispute's public id, set by staff (checked to exist when linked).
    linked_dispute = models.CharField(max_length=32, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_tickets",
    )
    # The rules in force when the ticket was opened: its first-response target and auto-close.
    policy_version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    first_response_due = models.DateTimeField()
    first_responded_at = models.DateTimeField(null=True, blank=True)
    # When the owner last wrote on the thread after opening it. Notes, assignment and links
    # move `updated_at` too; this moves only with the owner's own messages.
    owner_replied_at = models.DateTimeField(null=True, blank=True)
    # While open again after an answer (the owner replied, or someone reopened it): when the
    # administration aims to have answered, by the same target as the first response.
    reply_due = models.DateTimeField(null=True, blank=True)
    # While answered: when the ticket resolves by itself unless the owner replies.
    autoclose_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["owner", "id"], name="ticket_owner"),
            models.Index(fields=["status", "first_response_due"], name="ticket_queue"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee"),
        ]
        constraints: ClassVar[list[Any]] = [
            models.CheckConstraint(
                condition=~models.Q(status="answered") | models.Q(first_responded_at__isnull=False),
                name="ticket_answered_has_first_response",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="resolved") | models.Q(resolved_at__isnull=False),
                name="ticket_resolved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return self.public_id

    @property
    def policy(self) -> Policy:
        return self.policy_version.policy


class TicketMessage(models.Model):
    """One message in a ticket's thread. Internal notes are for the administration only."""

    class AuthorRole(models.TextChoices):
        USER = "user"
        STAFF = "staff"
        SYSTEM = "system"

    public_id = PublicIdField(prefix="tkm")
    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    author_role = models.CharField(max_length=16, choices=AuthorRole.choices)
    body = models.TextField(max_length=MAX_BODY)
    internal = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["ticket", "id"], name="ticket_message_thread"),
        ]

    def __str__(self) -> str:
        return f"{self.author_role}: {self.body[:40]}"


def attachment_path(instance: TicketAttachment, filename: str) -> str:
    """A name the server makes up: nothing the client sent reaches the file system."""
    return f"tickets/{instance.public_id}{EXTENSIONS[instance.content_type]}"


class TicketAttachment(models.Model):
    """A file attached to a message; whoever may read the message may download it. Private
    storage, served only through a view that checks who is asking."""

    public_id = PublicIdField(prefix="tka")
    message = models.ForeignKey(TicketMessage, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.name


class ContactsPage(models.Model):
    """The one contacts page, edited by staff. `channels` holds one "Label: value" per line."""

    DEFAULT_HOURS = "Daily, around the clock"
    DEFAULT_INTRO = (
        "Feel free to contact us at any time of day. Please open a ticket with your question "
        "first: it reaches the whole support team and keeps everything in one place."
    )

    channels = models.TextField(blank=True, max_length=limits.NOTE)
    opening_hours = models.CharField(max_length=limits.LINE, default=DEFAULT_HOURS)
    intro = models.TextField(blank=True, max_length=limits.NOTE, default=DEFAULT_INTRO)
    updated_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    SINGLETON_ID: ClassVar[int] = 1

    def __str__(self) -> str:
        return "Contacts page"
