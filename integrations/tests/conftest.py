from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from core.actors import SystemActor
from integrations import actions


class KeyClient:
    """A JSON client for /api/v1 that authenticates with an API key, optionally on behalf of a user."""

    def __init__(self, secret: str | None, on_behalf_of: str | None = None) -> None:
        self.client = Client()
        self.secret = secret
        self.on_behalf_of = on_behalf_of

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.secret:
            headers["Authorization"] = f"Bearer {self.secret}"
        if self.on_behalf_of:
            headers["Parley-On-Behalf-Of"] = self.on_behalf_of
        return headers

    def as_user(self, public_id: str) -> KeyClient:
        return KeyClient(self.secret, public_id)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, headers=self._headers())

    def post(self, path: str, body: Any = None, *, headers: dict[str, str] | None = None) -> Any:
        data = "" if body is None else json.dumps(body)
        return self.client.post(
            "/api/v1" + path, data=data, content_type="application/json", headers=self._headers(headers)
        )


@pytest.fixture
def make_key(db: None) -> Any:
    def make(name: str = "Shop backend", scopes: list[str] | None = None) -> tuple[Any, str]:
        return actions.create_key(name=name, scopes=scopes, by=SystemActor(rule="cli"))

    return make


@pytest.fixture
def key_api(make_key: Any) -> Any:
    """`key_api()` a client with a fresh key (default scopes); `key_api(secret)` with that secret."""

    def make(secret: str | None = None, on_behalf_of: str | None = None) -> KeyClient:
        if secret is None:
            _, secret = make_key()
        return KeyClient(secret, on_behalf_of)

    return make
