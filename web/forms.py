"""Forms of the web UI. They parse and validate input; the actions decide."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core import limits
from core.errors import ValidationFailed
from core.money import Money, MoneyError
from disputes.models import OPENING_REASONS, REQUEST_KINDS, ProposalKind, Reason
from disputes.outcomes import offerable
from disputes.states import PROPOSAL_KINDS
from orders.models import Order
from policy.active import configured_policy
from policy.schema import parse_duration
from tickets.models import MAX_BODY, MAX_SUBJECT, Ticket
from webhooks.models import MAX_URL


def currency_choices() -> list[tuple[str, str]]:
    return [(c, c) for c in configured_policy().currencies]


class MoneyFormMixin(forms.Form):
    """An amount in major units ("19.99") and a currency, cleaned into `Money`."""

    amount = forms.DecimalField(min_value=Decimal("0.01"), max_digits=12, decimal_places=2)
    currency = forms.ChoiceField(choices=currency_choices)

    def money(self) -> Money:
        return Money.from_major(self.cleaned_data["amount"], self.cleaned_data["currency"])

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if "amount" in data and "currency" in data:
            try:
                Money.from_major(data["amount"], str(data["currency"]))
            except MoneyError as exc:
                self.add_error("amount", str(exc))
        return data


class DepositForm(MoneyFormMixin):
    pass


class WithdrawForm(MoneyFormMixin):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Distinct labels: the deposit form on the same page has "Amount" and "Currency".
        self.fields["amount"].label = "Sum to withdraw"
        self.fields["currency"].label = "In"


class ListingForm(MoneyFormMixin):
    title = forms.CharField(max_length=limits.TITLE)
    description = forms.CharField(max_length=limits.LONG_TEXT, widget=forms.Textarea, required=False)
    kind = forms.ChoiceField(
        choices=[
            ("product", _("Product (keys, items, accounts)")),
            ("service", _("Service (boosting, design, work)")),
        ]
    )
    is_active = forms.BooleanField(required=False, initial=True, label=_("For sale"))
    warranty = forms.CharField(
        required=False,
        max_length=10,
        help_text=_(
            "Optional: how long after completion the buyer may still dispute if the account is recovered "
            'or the key revoked, for example "7d". Your proceeds stay held that long.'
        ),
    )

    field_order = ["title", "description", "kind", "amount", "currency", "warranty", "is_active"]

    def clean_warranty(self) -> timedelta | None:
        text = (self.cleaned_data.get("warranty") or "").strip()
        if not text:
            return None
        try:
            return parse_duration(text)
        except ValueError:
            raise forms.ValidationError('A duration like "7d" or "48h".') from None


class DeliverForm(forms.Form):
    note = forms.CharField(
        max_length=limits.LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Delivery note"),
        help_text=_("For digital goods: the key, the login, or where to find the files."),
    )


class CancelForm(forms.Form):
    reason = forms.CharField(max_length=limits.CANCEL_REASON, required=False, label=_("Reason (shown to the buyer)"))


class MessageForm(forms.Form):
    body = forms.CharField(
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Write a message…"}),
        label=_("Message"),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the actions check what they contain."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*,application/pdf"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files if f]


def attachments_field() -> MultipleFileField:
    return MultipleFileField(
        label=_("Attachments (optional)"),
        help_text=_("Screenshots or PDF documents, up to 5 files of 5 MB each."),
    )


class TicketForm(forms.Form):
    subject = forms.CharField(max_length=MAX_SUBJECT)
    category = forms.ChoiceField(choices=Ticket.Category.choices)
    order_id = forms.ChoiceField(label=_("Order (optional)"), required=False)
    body = forms.CharField(
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 6}),
        label=_("Message"),
        help_text=_("What happened, what you expected, and anything we need to look it up."),
    )
    attachments = attachments_field()

    def __init__(self, *args: Any, orders: Iterable[Order], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "No particular order")]
        choices += [(o.public_id, f"{o.public_id} · {o.listing_snapshot['title']}") for o in orders]
        self.fields["order_id"].choices = choices  # type: ignore[attr-defined]


class TicketReplyForm(forms.Form):
    body = forms.CharField(max_length=MAX_BODY)
    internal = forms.BooleanField(required=False)
    attachments = attachments_field()


class LinkDisputeForm(forms.Form):
    dispute_id = forms.CharField(max_length=32, required=False)


class ContactsForm(forms.Form):
    intro = forms.CharField(
        max_length=limits.NOTE, required=False, widget=forms.Textarea(attrs={"rows": 3}), label=_("Introduction")
    )
    channels = forms.CharField(
        max_length=limits.NOTE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_('One per line, as "Label: value", for example "E-mail: support@example.org".'),
    )
    opening_hours = forms.CharField(max_length=limits.LINE)


def amount_in_minor_units(value: Decimal | None, currency: str, *, field: str = "refund_amount") -> int | None:
    """An amount typed in major units, in the order's currency; a refusal the views show like
    any other (one currency has no cents, another has three places)."""
    if value is None:
        return None
    try:
        return Money.from_major(value, currency).amount
    except MoneyError as exc:
        raise ValidationFailed(_("Check the amount: %(exc)s.") % {"exc": exc}, fields={field: [str(exc)]}) from None


def only_offerable(field: forms.Field, kinds: Iterable[str] | None = None, *, delivered: bool) -> None:
    """Keeps of the field's choices those `kinds` (all, by default) that can be carried out now
    (nothing undelivered can be returned), so the form never offers what the server refuses."""
    assert isinstance(field, forms.ChoiceField)
    labels: dict[str, str] = dict(field.choices)  # type: ignore[arg-type]
    field.choices = [(kind, labels[kind]) for kind in offerable(kinds or labels, delivered=delivered)]


# The buyer's own words for each reason (the vocabulary is `disputes.models.Reason`).
REASON_PROMPTS = {
    Reason.NOT_RECEIVED: _("I did not receive it"),
    Reason.INCOMPLETE: _("It is incomplete"),
    Reason.INCORRECT: _("It is not what I ordered (incorrect)"),
    Reason.DEFECTIVE: _("It does not work (defective)"),
    Reason.NOT_AS_DESCRIBED: _("It is not as described"),
    Reason.OTHER: _("Something else"),
}
REQUEST_PROMPTS = {
    ProposalKind.FULL_DELIVERY: _("Full delivery of what I paid for"),
    ProposalKind.REPLACEMENT: _("A replacement or a fix"),
    ProposalKind.PARTIAL_REFUND: _("A partial refund"),
    ProposalKind.FULL_REFUND: _("A full refund"),
    ProposalKind.RETURN_AND_REFUND: _("Return it and get a refund"),
}


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[(r.value, REASON_PROMPTS[r]) for r in OPENING_REASONS],
        label=_("Reason for the dispute"),
    )
    description = forms.CharField(
        max_length=limits.LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is wrong, and what did you already try with the seller?"),
    )
    requested_kind = forms.ChoiceField(
        choices=[(k.value, REQUEST_PROMPTS[k]) for k in REQUEST_KINDS],
        label=_("What would resolve it for you?"),
    )
    refund_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        label=_("Partial refund amount"),
        help_text=_("Only for a partial refund."),
    )
    images = MultipleFileField(
        required=False,
        label=_("Images or documents (optional)"),
        help_text=_("JPEG, PNG, WebP or PDF, up to 10 MB each. They are hashed and kept as evidence."),
    )
    accept_terms = forms.BooleanField(
        label=_(
            "I agree to the dispute terms: the payment stays frozen until the dispute is resolved; communication "
            "outside Parley is not taken into account; if I do not answer the administration in time my claim may be "
            "closed."
        ),
    )

    def __init__(self, *args: Any, delivered: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        only_offerable(self.fields["requested_kind"], delivered=delivered)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("requested_kind") == "partial_refund" and not data.get("refund_amount"):
            self.add_error("refund_amount", "Say how much you want refunded.")
        return data


class ProposalForm(forms.Form):
    """A proposal; `role` limits the kinds to what that side may propose (states.PROPOSAL_KINDS).
    A withdrawal is not offered here: it pays the seller at once, so it has its own confirmed
    button. Each amount field names the kind it belongs to (`data-kinds`), so the page shows
    only the fields of the chosen kind."""

    LABELS = {kind: label for kind, label in ProposalKind.choices if kind != ProposalKind.WITHDRAW}
    kind = forms.ChoiceField(choices=list(LABELS.items()), label=_("Proposal"))
    refund_amount = forms.DecimalField(
        required=False,
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        label=_("Refund amount"),
        help_text=_("For a partial refund."),
        widget=forms.NumberInput(attrs={"data-kinds": "partial_refund", "step": "0.01"}),
    )
    seller_keep_percent = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=100,
        label=_("Share of the price the seller keeps (%)"),
        help_text=_("For a return."),
        widget=forms.NumberInput(attrs={"data-kinds": "return_and_refund"}),
    )
    note = forms.CharField(
        required=False,
        max_length=limits.NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Note to the other side"),
    )

    def __init__(self, *args: Any, role: str | None = None, delivered: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kinds = PROPOSAL_KINDS[role] if role in PROPOSAL_KINDS else tuple(self.LABELS)
        only_offerable(self.fields["kind"], [k for k in kinds if k in self.LABELS], delivered=delivered)


class NoteForm(forms.Form):
    note = forms.CharField(
        required=False, max_length=limits.LONG_TEXT, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note")
    )


class AnswerForm(forms.Form):
    body = forms.CharField(
        max_length=limits.LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3}), label=_("Your answer")
    )


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("Add a file"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,application/pdf"}),
    )


class WebhookForm(forms.Form):
    url = forms.CharField(
        max_length=MAX_URL,
        label=_("URL"),
        widget=forms.URLInput(attrs={"placeholder": "https://marketplace.example/parley-events"}),
        help_text=_("https:// on a public host. Every event is signed with the secret shown once after saving."),
    )
    description = forms.CharField(max_length=limits.LINE, required=False)
    events = forms.CharField(
        max_length=limits.EVENT_LIST,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "order.\ndispute.resolved"}),
        help_text=_(
            'Event codes or families, one per line or separated by commas ("order." is every order '
            "event). Empty: every event."
        ),
    )

    def event_list(self) -> list[str]:
        return [e for e in self.cleaned_data["events"].replace(",", "\n").split() if e]
