"""The OpenAPI document, finished so that an integrator can generate a client from it: errors
as `application/problem+json`, the `Idempotency-Key` and `Parley-On-Behalf-Of` headers,
readable stable `operationId`s, both bearer schemes described, and the events webhooks deliver
in the OpenAPI 3.1 `webhooks` section."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

PROBLEM = "application/problem+json"
SCHEMES = {
    "UserToken": "A user's token (`pk_…`) from `POST /auth/token`.",
    "ApiKeyAuth": "A marketplace's API key (`psk_…`). Alone it reaches the endpoints that list this scheme; "
    "with `Parley-On-Behalf-Of: usr_…` it acts as that user wherever `UserToken` is accepted.",
}
IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 255},
    "description": "A retry with the same key returns the first response and does nothing twice.",
}
ON_BEHALF_HEADER = {
    "name": "Parley-On-Behalf-Of",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^usr_"},
    "description": "With an API key: act as this user, with exactly that user's permissions "
    "(404 unknown user, 403 suspended).",
}
EVENT_SCHEMA = {
    "type": "object",
    "required": ["id", "type", "created_at", "data"],
    "properties": {
        "id": {"type": "string", "description": "evt_…, also the webhook-id header; deduplicate on it."},
        "type": {"type": "string"},
        "created_at": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "description": "The subject and its order by public id, the event's facts, and `actor` "
            "(`role`, `user_id`, `rule`, and `key_id` when an API key made the change).",
        },
    },
}
SIGNATURE_HEADERS = {
    name: {"required": True, "schema": {"type": "string"}, "description": text}
    for name, text in (
        ("webhook-id", "The event id (evt_…), the same on every retry."),
        ("webhook-timestamp", "Seconds since the epoch; refuse one more than 5 minutes from your clock."),
        ("webhook-signature", "Space-separated `v1,<base64 HMAC-SHA256>`: one per signing secret."),
    )
}


class ParleyAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """`<router module>_<function>`, e.g. `orders_deliver`: readable, and stable as long as
        the function keeps its name."""
        module = operation.view_func.__module__.rsplit(".", 1)[-1]
        return f"{module}_{operation.view_func.__name__}"

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for ops in schema.get("paths", {}).values():
            for method, op in ops.items():
                _finish(method, op)
        components = schema.setdefault("components", {})
        for name, scheme in components.get("securitySchemes", {}).items():
            scheme["description"] = SCHEMES.get(name, "")
        components.setdefault("schemas", {})["Event"] = EVENT_SCHEMA
        schema["webhooks"] = {code: _webhook(code) for code in event_codes()}
        return schema


def _finish(method: str, op: dict[str, Any]) -> None:
    for status, response in op.get("responses", {}).items():
        content = response.get("content", {})
        if str(status)[:1] in "45" and "application/json" in content:
            content[PROBLEM] = content.pop("application/json")
    params = op.setdefault("parameters", [])
    if method == "post":
        params.append(IDEMPOTENCY_HEADER)
    if any("UserToken" in entry for entry in op.get("security", [])):
        params.append(ON_BEHALF_HEADER)
        op["security"] = [*op["security"], {"ApiKeyAuth": []}]


def _webhook(code: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": code,
            "operationId": "event_" + code.replace(".", "_"),
            "parameters": [{"name": n, "in": "header", **h} for n, h in SIGNATURE_HEADERS.items()],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
            },
            "responses": {"200": {"description": "Any 2xx within 5 s acknowledges; anything else is retried."}},
        }
    }


def event_codes() -> list[str]:
    """Every event code the timeline can tell (each domain registers its codes), plus the test
    event; configuration events are not delivered."""
    from core.timeline import _SENTENCES
    from webhooks.fanout import NOT_DELIVERED

    return sorted({c for c in _SENTENCES if not c.startswith(NOT_DELIVERED)} | {"webhook.test"})
