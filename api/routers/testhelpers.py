"""Sandbox test helpers (staff, and only with the test clock on: 404 otherwise)."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from api.permissions import require_staff
from api.schemas import ERRORS, MoneyOut
from core import clock
from core.errors import NotFound
from payments import actions
from payments.models import Deposit
from payments.providers import SandboxProvider, active_provider

router = Router(tags=["test helpers"])


class ChargebackOut(Schema):
    deposit_id: str
    status: str
    amount: MoneyOut


class FailNextOut(Schema):
    fail_next: bool


def _sandbox(request: HttpRequest) -> None:
    clock.require_test_clock()
    require_staff(request)
    if not isinstance(active_provider(), SandboxProvider):
        raise NotFound("Only the sandbox provider has test helpers.")


@router.post("/test-helpers/deposits/{deposit_id}/chargeback", response={200: ChargebackOut, **ERRORS})
def chargeback(request: HttpRequest, deposit_id: str) -> ChargebackOut:
    """The sandbox provider reverses a deposit: the amount is taken back, any shortfall becomes
    the user's debt."""
    _sandbox(request)
    found = Deposit.objects.filter(public_id=deposit_id).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound("No such deposit.")
    deposit = actions.chargeback(deposit_id=found, by=require_staff(request))
    return ChargebackOut(deposit_id=deposit.public_id, status=deposit.status, amount=MoneyOut.of(deposit.money))


@router.post("/test-helpers/withdrawals/fail-next", response={200: FailNextOut, **ERRORS})
def fail_next(request: HttpRequest) -> FailNextOut:
    """The sandbox provider fails the next withdrawal it is asked to pay."""
    _sandbox(request)
    SandboxProvider.fail_next_payout()
    return FailNextOut(fail_next=True)
