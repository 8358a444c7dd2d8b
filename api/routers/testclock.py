from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field, StrictInt

from api.permissions import require_staff
from api.schemas import ERRORS
from core import clock
from ops import deadlines

router = Router(tags=["test clock"])


class ClockOut(Schema):
    now: datetime
    ran: int = 0


class AdvanceIn(Schema):
    seconds: StrictInt = Field(
        ge=deadlines.MIN_ADVANCE_SECONDS,
        le=deadlines.MAX_ADVANCE_SECONDS,
        description="How far to move the clock forward.",
    )


@router.get("/test-clock", response={200: ClockOut, **ERRORS})
def get_clock(request: HttpRequest) -> ClockOut:
    clock.require_test_clock()
    require_staff(request)
    return ClockOut(now=clock.now())


@router.post("/test-clock/advance", response={200: ClockOut, **ERRORS})
def advance(request: HttpRequest, payload: AdvanceIn) -> ClockOut:
    """Moves the clock forward and applies every deadline that fell due, in order, before
    answering."""
    clock.require_test_clock()
    require_staff(request)
    result = deadlines.advance(seconds=payload.seconds)
    return ClockOut(now=result.now, ran=result.ran)
