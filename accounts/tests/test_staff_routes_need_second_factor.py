"""Every staff route, found by enumeration rather than chosen: each web URL pattern under
`staff/` (and Django's admin, which staff reach too) and every operation of the API's OpenAPI
schema. A staff member who has not passed the second factor reaches none of them: a web
session is sent to the second-factor step, and a token issued without `otp` gets exactly what
an ordinary user gets, a staff refusal reading 403 `second_factor_required`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts import twofactor
from accounts.actions import issue_token
from api.main import api as ninja_api
from conftest import password_only_login
from core import clock
from core.money import Money
from policy.active import configured_policy
from testsupport import factories
from tickets.tests.samples import png

API_PREFIX = "/api/v1"
# Django's admin is staff-only, whatever Parley's own pages are called.
STAFF_PREFIXES = ("staff/", "django-admin/")
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def _routes(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def _concrete(route: str) -> str:
    """A path the route matches: `1` for an int, `x1` for any other converter; regex routes
    (the admin's) lose their anchors and optional groups."""
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "x1", route)
    path = CONVERTER.sub(lambda m: "1" if m["kind"] == "int" else "x1", path)
    path = re.sub(r"[\^$?]", "", path)
    return "/" + path


def staff_web_paths() -> list[str]:
    routes = [r for r in _routes(get_resolver().url_patterns) if r.startswith(STAFF_PREFIXES)]
    return sorted({_concrete(r) for r in routes})


def test_the_enumeration_finds_the_staff_pages():
    paths = staff_web_paths()
    assert {"/staff/", "/staff/tickets/", "/staff/users/", "/staff/webhooks/", "/django-admin/"} <= set(paths)
    assert len(paths) >= 20


def test_no_staff_page_opens_without_the_second_factor(make_user):
    staff = make_user("sam", staff=True)
    never_enrolled = Client()
    password_only_login(never_enrolled, staff)
    complete = Client()
    complete.force_login(staff)
    refused = []
    for path in staff_web_paths():
        for method in ("get", "post"):
            answer = getattr(never_enrolled, method)(path)
            if answer.status_code != 302 or not answer["Location"].startswith("/account/two-factor/?next="):
                refused.append((method, path, answer.status_code))
        # With the second factor the same path reaches its view (whatever that view answers).
        answer = complete.get(path)
        if answer.status_code == 302 and answer["Location"].startswith(("/login/code/", "/account/two-factor/")):
            refused.append(("get with the second factor", path, answer["Location"]))
    assert not refused

    twofactor.enrol_for_tests(staff)
    no_code_yet = Client()
    password_only_login(no_code_yet, staff)
    for path in staff_web_paths():
        answer = no_code_yet.post(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/login/code/"), path


# The API --------------------------------------------------------------------------------------

SCHEMA = ninja_api.get_openapi_schema()
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in SCHEMA["paths"].items()
    for method in item
    if method in {"get", "post", "put", "patch", "delete"}
)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return _resolve(next(s for s in schema[key] if s.get("type") != "null"))
    return schema


def example(schema: dict[str, Any]) -> Any:
    """The smallest value the schema accepts, so that a request passes validation and reaches
    the permission check of the operation: required fields only, the first of an enum."""
    schema = _resolve(schema)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: example(props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema["items"])] * schema.get("minItems", 0)
    if kind == "integer":
        return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    return "x" * max(schema.get("minLength", 1), 1)


def _body(method: str, path: str) -> dict[str, Any]:
    body = SCHEMA["paths"][path][method.lower()].get("requestBody")
    if body is None:
        return {}
    [(content_type, media)] = body["content"].items()
    data = example(media["schema"])
    if content_type == "multipart/form-data":
        for name, prop in _resolve(media["schema"]).get("properties", {}).items():
            if prop.get("format") == "binary" or _resolve(prop.get("items", {})).get("format") == "binary":
                data[name] = png()
        return {"data": data}
    return {"data": json.dumps(data), "content_type": content_type}


@pytest.fixture
def world(make_user):
    """One of everything an operation's path names, belonging to people other than the callers."""
    from disputes import actions as disputes
    from disputes import mediation
    from integrations import actions as integrations
    from notifications.models import Notification
    from payments import actions as payments
    from payments.models import Deposit
    from tickets import actions as tickets
    from tickets.models import TicketAttachment
    from webhooks import actions as webhooks
    from webhooks.models import WebhookDelivery

    buyer, seller, staff = make_user("buyer"), make_user("seller"), make_user("sam", staff=True)
    hook = webhooks.create_endpoint(by=staff, url="http://127.0.0.1:9/hook", events=())
    key, _secret = integrations.create_key(name="shop", scopes=["act"], by=staff)
    order = factories.delivered_order(buyer, seller)
    clock.set_test_time(clock.now() + configured_policy().min_order_age)
    dispute = factories.open_dispute(order)
    escalate_at = disputes.verdict(dispute, "escalate", by=buyer, now=clock.now()).available_at
    clock.set_test_time(max(clock.now(), escalate_at or clock.now()))
    disputes.escalate(dispute_id=dispute.pk, by=buyer)
    info = mediation.request_info(dispute_id=dispute.pk, by=staff, party="buyer", question="Which region?")
    evidence = disputes.add_evidence(dispute_id=dispute.pk, by=buyer, upload=png())
    ticket = tickets.open_ticket(by=buyer, subject="Help", category="order", body="Where is my key?", files=[png()])
    withdrawal = payments.request_withdrawal(by=buyer, amount=Money(100, "USD"))
    issue_token(user=buyer)
    ids = {
        "user_id": buyer.public_id,
        "listing_id": order.listing.public_id,
        "order_id": order.public_id,
        "dispute_id": dispute.public_id,
        "proposal_id": dispute.proposals.get().public_id,
        "request_id": info.public_id,
        "evidence_id": evidence.public_id,
        "ticket_id": ticket.public_id,
        "attachment_id": TicketAttachment.objects.get().public_id,
        "webhook_id": hook.public_id,
        "delivery_id": WebhookDelivery.objects.filter(endpoint=hook).earliest("id").event_id,
        "key_id": key.public_id,
        "deposit_id": Deposit.objects.filter(user=buyer).earliest("id").public_id,
        "withdrawal_id": withdrawal.public_id,
        "notification_id": Notification.objects.filter(user=buyer).earliest("id").public_id,
        "token_id": buyer.api_tokens.get().public_id,
    }
    return staff, make_user("olga"), ids


def _call(token: str, method: str, path: str, ids: dict[str, str]) -> tuple[int, str, str]:
    """One request, undone afterwards, so that every caller meets the same world: its status,
    its problem code and its body."""
    url = re.sub(r"{(\w+)}", lambda m: ids[m[1]], path)
    with transaction.atomic():
        answer = Client().generic(method, url, headers={"Authorization": f"Bearer {token}"}, **_body(method, path))
        transaction.set_rollback(True)
    body = b"".join(answer.streaming_content) if answer.streaming else answer.content  # type: ignore[attr-defined]
    problem = answer.json().get("code", "") if answer["Content-Type"].startswith("application/problem") else ""
    return answer.status_code, problem, body.decode(errors="replace")


def test_staff_without_the_second_factor_reach_no_staff_operation_of_the_schema(world):
    """Three callers try every operation: staff with a token issued with `otp`, the same staff
    member with a token issued without it, and an ordinary user. The second must get what the
    third gets, every staff refusal reading `second_factor_required`, and see none of other
    people's records the third cannot see."""
    staff, ordinary, ids = world
    with_otp = issue_token(user=staff, second_factor=True)
    without = issue_token(user=staff)
    anyone = issue_token(user=ordinary)
    staff_only, different = [], []
    for method, path in OPERATIONS:
        full = _call(with_otp, method, path, ids)
        plain = _call(without, method, path, ids)
        user = _call(anyone, method, path, ids)
        if full[0] != user[0]:
            staff_only.append((method, path))
        seen = {name for name, value in ids.items() if value in plain[2] and value not in user[2]}
        if plain[0] != user[0] or (user[0] == 403 and plain[1] != "second_factor_required") or seen:
            different.append((method, path, plain[:2], user[:2], sorted(seen)))
    assert not different
    # What the schema itself calls staff's is among what the second factor opened.
    named_staff = {(m, p) for m, p in OPERATIONS if p.startswith(f"{API_PREFIX}/staff/")}
    assert named_staff and named_staff <= set(staff_only)
    assert len(staff_only) >= 40, staff_only
