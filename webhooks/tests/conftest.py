from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from webhooks import actions, targets
from webhooks.models import WebhookEndpoint
from webhooks.tests.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A live receiver on 127.0.0.1 (allow-listed by the test settings)."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def staff(make_user: Any) -> Any:
    return make_user("operator", staff=True)


@pytest.fixture
def endpoint(staff: Any) -> Callable[..., WebhookEndpoint]:
    """`endpoint(url, events=[...])`: registers one through the real action."""

    def make(url: str, *, events: tuple[str, ...] = ()) -> WebhookEndpoint:
        return actions.create_endpoint(by=staff, url=url, events=events)

    return make


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Plays DNS: `dns["hooks.example.test"] = ["10.0.0.7"]`. Names not listed do not resolve;
    IP literals resolve to themselves. No query leaves the machine."""
    answers: dict[str, list[str]] = {}

    def resolve(host: str, port: int, **kwargs: Any) -> list[Any]:
        try:
            found = answers.get(host) or [str(targets.ipaddress.ip_address(host))]
        except ValueError:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known") from None
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in found]

    monkeypatch.setattr(targets, "_resolver", resolve)
    return answers
