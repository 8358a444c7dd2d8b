"""Request ids: one id per request, on every log line it causes and on the work it queues.

`core.middleware.RequestIdMiddleware` (first in the chain) takes the caller's `X-Request-Id` when it is a sane
token, or makes one, binds it to the logging context (structlog's context variables, which the
JSON formatter merges into every line, stdlib loggers included) and returns it in the answer's
`X-Request-Id`. Rows the request queues for the worker (deadlines, e-mails, webhook deliveries)
take `current()` as their default `request_id`, and the worker binds it again while it handles
them, so one id follows a change from the request to the e-mail it caused.

It also logs one `request` line per answer (method, route, status, milliseconds) and counts it
for `/metrics` (`ops.metrics`, connected from its `ready()`)."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import structlog
from django.http import HttpRequest

HEADER = "X-Request-Id"
_ACCEPTED = re.compile(r"^[A-Za-z0-9._:@+/=-]{1,64}$")
logger = logging.getLogger("parley.request")


def new_id() -> str:
    return uuid.uuid4().hex


def accepted(value: str | None) -> str | None:
    """The caller's id if it is a short token of safe characters (it lands in logs and headers)."""
    if value and _ACCEPTED.match(value):
        return value
    return None


def current() -> str:
    """The request id of the request (or worker job) this code runs for; empty outside one.
    Used as a model field default, so it must take no arguments."""
    value = structlog.contextvars.get_contextvars().get("request_id", "")
    return str(value)


@contextmanager
def bound(request_id: str) -> Iterator[None]:
    """Runs a block (a worker job) under the request id that queued it."""
    if not request_id:
        yield
        return
    with structlog.contextvars.bound_contextvars(request_id=request_id):
        yield


def route_of(request: HttpRequest) -> str:
    """The URL pattern that answered (`api/v1/orders/{order_id}` style), not the raw path, so
    metrics keep a bounded set of labels."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + str(match.route)
