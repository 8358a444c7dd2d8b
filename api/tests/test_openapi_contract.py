"""The OpenAPI document is one an integrator can generate a client from."""

from __future__ import annotations

from typing import Any


def _spec(api: Any) -> Any:
    return api().get("/openapi.json").json()


def test_errors_are_problem_json_with_the_problem_schema(api: Any) -> None:
    for path, ops in _spec(api)["paths"].items():
        for method, op in ops.items():
            for status, response in op["responses"].items():
                if status.startswith(("4", "5")):
                    assert list(response["content"]) == ["application/problem+json"], (method, path, status)
                    assert response["content"]["application/problem+json"]["schema"]["$ref"].endswith("/Problem")


def test_headers_security_and_operation_ids(api: Any) -> None:
    spec = _spec(api)
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(i.replace("_", "").isalnum() and i.islower() and "api_routers" not in i for i in ids)
    deliver = spec["paths"]["/api/v1/orders/{order_id}/deliver"]["post"]
    assert deliver["operationId"] == "orders_deliver"
    headers = {p["name"] for p in deliver["parameters"] if p["in"] == "header"}
    assert headers == {"Idempotency-Key", "Parley-On-Behalf-Of"}
    assert {"UserToken": []} in deliver["security"] and {"ApiKeyAuth": []} in deliver["security"]
    schemes = spec["components"]["securitySchemes"]
    assert {schemes[n]["scheme"] for n in ("UserToken", "ApiKeyAuth")} == {"bearer"}
    assert spec["paths"]["/api/v1/events"]["get"]["security"] == [{"ApiKeyAuth": []}]


def test_webhook_events_are_in_the_webhooks_section(api: Any) -> None:
    spec = _spec(api)
    assert spec["openapi"].startswith("3.1")
    hooks = spec["webhooks"]
    assert {"order.delivered", "dispute.opened", "ticket.answered", "webhook.test"} <= set(hooks)
    body = hooks["order.delivered"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Event"}
    assert set(spec["components"]["schemas"]["Event"]["required"]) == {"id", "type", "created_at", "data"}
    assert not any(code.startswith("api_key.") for code in hooks)
