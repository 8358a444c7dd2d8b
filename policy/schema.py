"""The shape of a policy, validated. Every number Parley applies comes from one of these."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any, Literal

from django.utils.translation import get_language
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.money import CURRENCY_EXPONENTS, Money, MoneyError

_DURATION = re.compile(r"^\s*(\d+)\s*(m|h|d)\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_duration(value: Any) -> timedelta | None:
    """ "15m" / "48h" / "7d" -> timedelta; "none" -> None (the timer is off)."""
    if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
        return None
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int) and not isinstance(value, bool):  # seconds, as stored in JSON
        if value < 0:
            raise ValueError("must not be negative")
        return timedelta(seconds=value)
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    raise ValueError(f'{value!r} is not a duration like "15m", "48h", "7d" or "none"')


Duration = timedelta
OptionalDuration = timedelta | None


TRANSLATED = frozenset({"description", "escalated_label", "escalate_button"})


class Policy(BaseModel):
    """A validated policy. Durations are timedeltas (None: switched off), percents Decimals."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=64)
    description: str = ""
    currencies: list[str] = Field(min_length=1)

    guarantee_window: Duration
    buyer_fee_percent: Decimal = Field(ge=0, le=100)
    buyer_fee_minimum: Decimal = Field(ge=0)
    seller_commission_percent: Decimal = Field(ge=0, le=100)

    min_order_age: Duration
    seller_response_due: OptionalDuration
    seller_silence_action: Literal["escalate", "refund_buyer"]
    escalation_available_after: Duration
    escalation_parties: list[Literal["buyer", "seller"]] = Field(min_length=1)
    auto_escalate_after: OptionalDuration
    info_request_due: Duration
    max_seller_keep_on_return: int = Field(ge=0, le=100)
    return_ship_due: Duration
    return_receive_due: Duration
    redelivery_due: Duration
    escalated_label: str = Field(min_length=1, max_length=64)
    escalate_button: str = Field(default="Escalate to the administration", min_length=1, max_length=80)
    # The marketplace's own words in other languages, from the preset (`[translations.ru]`): read
    # in Russian, `policy.escalated_label` is the Russian label. Stored versions keep both.
    translations: dict[str, dict[Literal["description", "escalated_label", "escalate_button"], str]] = Field(
        default_factory=dict
    )

    ticket_first_response_target: Duration
    ticket_autoclose_after: Duration

    reminder_before_deadline: OptionalDuration

    # Money out and undelivered orders (PRODUCT.md §11, §12, §19). The defaults switch each
    # feature off, so a policy version pinned before they existed keeps its old rules.
    payout_hold: Duration = timedelta(0)  # a completed order's proceeds stay held this long
    max_warranty: OptionalDuration = None  # the longest warranty a listing may offer; none: no warranties
    warranty_reasons: list[Literal["account_recovered", "key_revoked"]] = Field(default_factory=list)
    delivery_due: OptionalDuration = None  # after ordering: the seller must deliver by then
    auto_cancel_after: OptionalDuration = None  # after ordering: an undelivered order cancels by itself
    # Decisions (PRODUCT.md §15, §19): when the administration aims to decide an escalated case,
    # and how long a decision can be appealed before it settles; "none" switches either off.
    # A dispute nobody has touched for `idle_dispute_reminder_after` reminds both sides of their
    # options (meant for presets without auto-escalation). Defaults keep older stored versions valid.
    decision_target: OptionalDuration = None
    appeal_window: OptionalDuration = None
    idle_dispute_reminder_after: OptionalDuration = None

    def __getattribute__(self, name: str) -> Any:
        # Only the preset's own words change with the reader's language; every number stays.
        if name in TRANSLATED:
            words = object.__getattribute__(self, "translations")
            if words:
                language = (get_language() or "").split("-")[0]
                local = words.get(language, {}).get(name)
                if local:
                    return local
        return object.__getattribute__(self, name)

    @field_validator(
        "guarantee_window",
        "min_order_age",
        "escalation_available_after",
        "info_request_due",
        "return_ship_due",
        "return_receive_due",
        "redelivery_due",
        "ticket_first_response_target",
        "ticket_autoclose_after",
        mode="before",
    )
    @classmethod
    def _required_duration(cls, value: Any) -> timedelta:
        parsed = parse_duration(value)
        if parsed is None:
            raise ValueError("this timer cannot be switched off")
        return parsed

    @field_validator("payout_hold", mode="before")
    @classmethod
    def _hold(cls, value: Any) -> timedelta:
        if value in (0, "0"):
            return timedelta(0)
        parsed = parse_duration(value)
        return timedelta(0) if parsed is None else parsed

    @field_validator(
        "seller_response_due",
        "auto_escalate_after",
        "reminder_before_deadline",
        "max_warranty",
        "delivery_due",
        "auto_cancel_after",
        "decision_target",
        "appeal_window",
        "idle_dispute_reminder_after",
        mode="before",
    )
    @classmethod
    def _optional_duration(cls, value: Any) -> timedelta | None:
        return parse_duration(value)

    @field_validator("currencies")
    @classmethod
    def _known_currencies(cls, value: list[str]) -> list[str]:
        unknown = [c for c in value if c not in CURRENCY_EXPONENTS]
        if unknown:
            raise ValueError(f"unknown currencies {unknown}; known: {sorted(CURRENCY_EXPONENTS)}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        if self.guarantee_window < timedelta(hours=72):
            # Both source marketplaces promise at least 72 hours after "Delivered".
            raise ValueError("guarantee_window must be at least 72h")
        if self.auto_escalate_after is not None and self.auto_escalate_after < self.escalation_available_after:
            raise ValueError("auto_escalate_after must not come before escalation_available_after")
        if self.warranty_reasons and self.max_warranty is None:
            raise ValueError("warranty_reasons need a max_warranty (warranties are switched off)")
        if (
            self.delivery_due is not None
            and self.auto_cancel_after is not None
            and self.auto_cancel_after < self.delivery_due
        ):
            raise ValueError("auto_cancel_after must not come before delivery_due")
        for currency in self.currencies:
            try:
                Money.from_major(self.buyer_fee_minimum, currency)
            except MoneyError:
                # Otherwise every order in that currency would fail when its fee is computed.
                raise ValueError(
                    f"buyer_fee_minimum {self.buyer_fee_minimum} cannot be expressed in {currency}"
                ) from None
        return self

    def as_json(self) -> dict[str, Any]:
        """The canonical JSON form stored with each policy version (durations in seconds)."""
        data = self.model_dump(mode="python")
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, timedelta):
                out[key] = int(value.total_seconds())
            elif isinstance(value, Decimal):
                out[key] = str(value)
            else:
                out[key] = value
        return out
