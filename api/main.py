"""The HTTP API, v1 (`../shared/spec/API.md`). Routers parse, call one action or query, and
serialise; every refusal becomes a problem+json through `api.errors`."""

from __future__ import annotations

from api import errors
from api.auth import bearer
from api.openapi import ParleyAPI
from api.routers import (
    accounts,
    desk,
    disputes,
    integrations,
    ledger,
    listings,
    notifications,
    orders,
    privacy,
    suspension,
    testclock,
    testhelpers,
    tickets,
    wallet,
    webhooks,
)

api = ParleyAPI(
    title="Parley API",
    version="1",
    description="Escrow, disputes and support for marketplaces. Authenticate with "
    "`Authorization: Bearer <token>` from `POST /api/v1/auth/token`. Errors are RFC 9457 problem details.",
    auth=bearer,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
errors.install(api)

api.add_router("", accounts.router)
api.add_router("", wallet.router)
api.add_router("", ledger.router)
api.add_router("", listings.router)
api.add_router("", orders.router)
api.add_router("", disputes.router)
api.add_router("", tickets.router)
api.add_router("", desk.router)
api.add_router("", notifications.router)
api.add_router("", webhooks.router)
api.add_router("", testclock.router)
api.add_router("", suspension.router)
api.add_router("", testhelpers.router)  # sandbox payment helpers

api.add_router("", privacy.router)  # personal data: export and erasure
api.add_router("", integrations.router)
