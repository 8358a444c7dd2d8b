"""Payment providers: how money enters Parley from outside. The sandbox is the default, so the
whole system runs offline; a real provider implements the same two methods."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from core.errors import Conflict
from core.money import Money


class PaymentDeclined(Conflict):
    default_code = "payment_declined"


@dataclass(frozen=True, slots=True)
class Charge:
    provider: str
    reference: str


class PaymentProvider(Protocol):
    name: str

    def charge(self, *, amount: Money, payer_ref: str) -> Charge:
        """Takes `amount` from the payer outside Parley, or raises `PaymentDeclined`."""
        ...


class SandboxProvider:
    """Accepts every deposit up to a limit, instantly; declines amounts above it so
    integrators can exercise the refusal path."""

    name = "sandbox"
    limit = 1_000_000_00  # one million in major units

    def charge(self, *, amount: Money, payer_ref: str) -> Charge:
        if amount.amount > self.limit:
            raise PaymentDeclined("The sandbox declines deposits above 1,000,000.00.")
        return Charge(provider=self.name, reference="sbx_" + secrets.token_hex(8))


class PaymentsUnavailable(Conflict):
    default_code = "payments_unavailable"


def active_provider() -> PaymentProvider:
    name = settings.PAYMENT_PROVIDER
    if name == "sandbox":
        if not settings.SANDBOX_PAYMENTS:
            raise PaymentsUnavailable(
                "Deposits are switched off: this deployment has no payment provider configured "
                "(the sandbox only runs in development, with the test clock, or with PARLEY_SANDBOX_PAYMENTS=1)."
            )
        return SandboxProvider()
    raise LookupError(f"unknown payment provider {name!r}")
