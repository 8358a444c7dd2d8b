"""Schemathesis reads our OpenAPI document and throws generated requests at every operation,
valid and invalid, as an authenticated user with real data: whatever it sends, the server must
answer without a 5xx. Path ids point at real objects, so bodies reach the actions; the ledger
check after the test proves no generated request moved money wrongly.

PARLEY_FUZZ_EXAMPLES (default 8 per operation) sets how hard it tries. A long hunt runs on
PostgreSQL, which is stricter about text than SQLite, with the exploring profile:
    DATABASE_URL=postgres://... HYPOTHESIS_PROFILE=dev PARLEY_FUZZ_EXAMPLES=300 \
        make test PYTEST_ARGS=api/tests/test_fuzz.py"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.actions import issue_token
from parley.wsgi import application
from testsupport import factories
from tickets import actions as tickets

EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", "8"))
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture
def in_process():
    """Django closes the database connection at the end of each request; the test's connection
    holds the test's transaction, so keep it open (as Django's own test client does)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def world(make_user, tclock, in_process):
    """A buyer with a wallet, an order, a dispute and a ticket: real ids to aim at."""
    buyer, seller = make_user("fuzz-buyer"), make_user("fuzz-seller")
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = factories.open_dispute(order)
    ticket = tickets.open_ticket(by=buyer, subject="Help", category="other", body="A question.")
    ids = {
        "order_id": order.public_id,
        "dispute_id": dispute.public_id,
        "listing_id": order.listing.public_id,
        "ticket_id": ticket.public_id,
    }
    return issue_token(user=buyer), ids


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_makes_the_server_fail(case, world):
    token, ids = world
    for name in case.path_parameters or {}:
        if name in ids:
            case.path_parameters[name] = ids[name]
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error])
