"""Every endpoint of the OpenAPI document, by each of {no key, revoked key, key alone, key on behalf of the
buyer, of the seller, of a stranger}. A key on behalf of a user gets exactly the answer that
user's own token gets; a key alone reaches only the key endpoints; no key or a revoked one is
401 wherever credentials are needed. Each request runs in a savepoint that is rolled back, so
every credential meets the same state."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from accounts.actions import issue_token
from api.main import api as ninja_api
from core.actors import SystemActor
from integrations import actions as integrations
from testsupport import factories
from tickets import actions as tickets

# Reads whose body lists the caller's own API tokens: the token the comparison issues shows up
# there, so those lists are left out of the comparison (and nothing else is).
OWN_TOKENS = {"/me/export": "api_tokens", "/auth/tokens": "items"}

KEY_SCHEME = "ApiKeyAuth"
USER_SCHEME = "UserToken"  # operations that list both take a key only on behalf of a user


@pytest.fixture
def world(make_user: Any) -> dict[str, Any]:
    buyer, seller, stranger = make_user("buyer"), make_user("seller"), make_user("stranger")
    dispute = factories.dispute_of(buyer)
    seller = dispute.order.seller
    listing = factories.listing(seller)
    ticket = tickets.open_ticket(by=buyer, subject="Help", category="other", body="A question.")
    key, secret = integrations.create_key(name="Shop backend", scopes=None, by=SystemActor(rule="test"))
    revoked, revoked_secret = integrations.create_key(name="Old", scopes=None, by=SystemActor(rule="test"))
    integrations.revoke_key(key=revoked, by=SystemActor(rule="test"))
    ids = {
        "order_id": dispute.order.public_id,
        "dispute_id": dispute.public_id,
        "listing_id": listing.public_id,
        "ticket_id": ticket.public_id,
        "user_id": buyer.public_id,
        "key_id": key.public_id,
        "proposal_id": dispute.proposals.first().public_id,  # type: ignore[union-attr]
    }
    return {
        "people": {"buyer": buyer, "seller": seller, "stranger": stranger},
        "secret": secret,
        "revoked": revoked_secret,
        "ids": ids,
    }


def operations() -> list[tuple[str, str, bool, bool]]:
    """(method, path, needs credentials, is a key endpoint) of every operation."""
    found = []
    for path, ops in ninja_api.get_openapi_schema()["paths"].items():
        for method, op in ops.items():
            schemes = {name for entry in op.get("security") or [] for name in entry}
            key_endpoint = KEY_SCHEME in schemes and USER_SCHEME not in schemes
            found.append((method.upper(), path.removeprefix("/api/v1"), bool(schemes), key_endpoint))
    return found


def _fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), f"zzz_{m.group(1)}"), path)


def _ask(method: str, path: str, headers: dict[str, str]) -> Any:
    with transaction.atomic():
        response = Client().generic(method, "/api/v1" + path, "{}", content_type="application/json", headers=headers)
        transaction.set_rollback(True)
    return response


def _bearer(secret: str, on_behalf_of: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {secret}"}
    if on_behalf_of:
        headers["Parley-On-Behalf-Of"] = on_behalf_of
    return headers


def test_the_matrix_covers_every_operation() -> None:
    ops = operations()
    assert len(ops) > 60
    assert {path for _, path, _, key in ops if key} >= {"/users", "/users/{user_id}", "/events"}


@pytest.mark.parametrize(("method", "path", "secured", "key_endpoint"), operations())
def test_every_endpoint_by_every_kind_of_key(
    world: dict[str, Any], method: str, path: str, secured: bool, key_endpoint: bool
) -> None:
    target = _fill(path, world["ids"])
    answers = {
        "no key": _ask(method, target, {}),
        "revoked key": _ask(method, target, _bearer(world["revoked"])),
        "key alone": _ask(method, target, _bearer(world["secret"])),
    }
    assert all(a.status_code < 500 for a in answers.values()), answers
    if secured:
        assert answers["no key"].status_code == 401
        assert answers["revoked key"].status_code == 401
        assert answers["revoked key"]["Content-Type"] == "application/problem+json"
    if key_endpoint:
        assert answers["key alone"].status_code not in (401, 403), answers["key alone"].content
    elif secured:
        assert answers["key alone"].status_code == 403
    for role, person in world["people"].items():
        on_behalf = _ask(method, target, _bearer(world["secret"], person.public_id))
        own = _ask(method, target, _bearer(issue_token(user=person, second_factor=True)))
        assert on_behalf.status_code == own.status_code, (role, on_behalf.content, own.content)
        if secured and key_endpoint:
            assert on_behalf.status_code == 403, role  # a user, by token or through a key, never reaches them
        if method == "GET" and own.status_code == 200 and not path.startswith("/test-clock"):
            assert _comparable(path, on_behalf.json()) == _comparable(path, own.json()), role


def _comparable(path: str, body: Any) -> Any:
    if path in OWN_TOKENS and isinstance(body, dict):
        return {k: v for k, v in body.items() if k != OWN_TOKENS[path]}
    return body
