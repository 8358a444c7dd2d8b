"""Payment providers: how money enters and leaves Parley. The sandbox is the default, so the
whole system runs offline; a real provider implements the same methods.

A payout is the second phase of a withdrawal: Parley has already moved the amount from the
wallet to the pending-withdrawals account, then asks the provider to pay it, naming the
withdrawal by its public id. `payout()` must be idempotent on that reference (real providers
take it as their idempotency key): asked again about the same withdrawal, after a crash or a
retry, it gives the same answer and pays nothing twice. A reversal (a chargeback) is the
provider taking a deposit back; Parley learns of it through `payments.actions.chargeback`."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Literal, Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from core import clock
from core.errors import Conflict
from core.money import Money


class PaymentDeclined(Conflict):
    default_code = "payment_declined"


@dataclass(frozen=True, slots=True)
class Charge:
    provider: str
    reference: str


@dataclass(frozen=True, slots=True)
class PayoutAnswer:
    status: Literal["paid", "failed"]
    reference: str  # the provider's own reference for the payout
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Reversal:
    deposit_reference: str  # the provider's reference of the deposit it takes back
    reference: str  # the provider's reference of the reversal


class PaymentProvider(Protocol):
    name: str

    def charge(self, *, amount: Money, payer_ref: str) -> Charge:
        """Takes `amount` from the payer outside Parley, or raises `PaymentDeclined`."""
        ...

    def payout(self, *, reference: str, amount: Money, payee_ref: str) -> PayoutAnswer:
        """Pays `amount` to the payee outside Parley; idempotent on `reference`."""
        ...

    def reverse(self, *, deposit_reference: str) -> Reversal:
        """A reversal of a deposit (a chargeback) as the provider reports it."""
        ...


class SandboxProvider:
    """Accepts every deposit up to a limit, instantly; declines amounts above it so
    integrators can exercise the refusal path."""

    name = "sandbox"
    limit = 1_000_000_00  # one million in major units

    def charge(self, *, amount: Money, payer_ref: str) -> Charge:
        if amount.amount > self.limit:
            raise PaymentDeclined(_("The sandbox declines deposits above 1,000,000.00."))
        return Charge(provider=self.name, reference="sbx_" + secrets.token_hex(8))

    def payout(self, *, reference: str, amount: Money, payee_ref: str) -> PayoutAnswer:
        """Pays at once, unless its test helper asked it to fail the next payout. Remembers
        each answer, so the same reference always gets the same one."""
        from payments.models import SandboxPayout

        known = SandboxPayout.objects.filter(reference=reference).first()
        if known is None:
            switch = SandboxPayout.objects.select_for_update().filter(reference=SandboxPayout.FAIL_NEXT).first()
            outcome = "failed" if switch is not None else "paid"
            if switch is not None:
                SandboxPayout.objects.filter(pk=switch.pk).delete()
            known = SandboxPayout.objects.create(reference=reference, outcome=outcome, created_at=clock.now())
        detail = "the sandbox was told to fail this payout" if known.outcome == "failed" else ""
        return PayoutAnswer(status=known.outcome, reference=f"sbx_po_{known.pk}", detail=detail)  # type: ignore[arg-type]

    def reverse(self, *, deposit_reference: str) -> Reversal:
        return Reversal(deposit_reference=deposit_reference, reference="sbx_cb_" + secrets.token_hex(8))

    @staticmethod
    def fail_next_payout() -> None:
        """Test helper: the next payout this sandbox is asked for fails."""
        from payments.models import SandboxPayout

        SandboxPayout.objects.get_or_create(
            reference=SandboxPayout.FAIL_NEXT, defaults={"outcome": "failed", "created_at": clock.now()}
        )


class PaymentsUnavailable(Conflict):
    default_code = "payments_unavailable"


def active_provider() -> PaymentProvider:
    name = settings.PAYMENT_PROVIDER
    if name == "sandbox":
        if not settings.SANDBOX_PAYMENTS:
            raise PaymentsUnavailable(
                _(
                    "Deposits are switched off: this deployment has no payment provider configured "
                    "(the sandbox only runs in development, with the test clock, or with PARLEY_SANDBOX_PAYMENTS=1)."
                )
            )
        return SandboxProvider()
    raise LookupError(f"unknown payment provider {name!r}")
