"""One HTTP POST of one delivery, signed the Standard Webhooks way, bounded in time.

Signing (standardwebhooks.com, spec 1.0): `webhook-signature: v1,<base64 HMAC-SHA256(key,
"{webhook-id}.{webhook-timestamp}.{body}")>` where the key is the base64 part of the
endpoint's `whsec_` secret; the reference library does the arithmetic.

Transport: `http.client` from the standard library, because it never follows a redirect (a
3xx is just a failed attempt: following it would let a public URL bounce the request to a
private one), and because it lets us connect to the address `targets.resolve()` checked. A
delivery gets `TIMEOUT` seconds in all (connect, send, answer); a receiver that trickles bytes
is cut off by a watchdog, so no endpoint can hold the worker. The answer's body is not read."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from standardwebhooks import Webhook

from core import clock
from core.errors import DomainError
from webhooks.targets import Target, resolve

TIMEOUT = 5.0
USER_AGENT = "Parley-Webhooks/1 (+https://www.standardwebhooks.com/)"


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one POST came to: the answer's status code (None when there was none) and, unless
    it was a 2xx, why it counts as a failure."""

    status_code: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(payload: dict[str, Any]) -> str:
    """The exact text that is signed and sent; the same bytes on every retry."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def signed_headers(*, secret: str | Sequence[str], event_id: str, body: str, at: datetime) -> dict[str, str]:
    """Signs with each secret; several signatures are space-separated, as the spec allows."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    signature = " ".join(Webhook(s).sign(msg_id=event_id, timestamp=at, data=body) for s in secrets)
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def post(*, url: str, secret: str | Sequence[str], event_id: str, payload: dict[str, Any]) -> Attempt:
    """POSTs the event to `url` once. Never raises for anything the receiver or the network
    does; a URL that fails the SSRF check is refused without a connection."""
    try:
        target = resolve(url)
    except DomainError as exc:
        return Attempt(None, f"not sent: {exc.detail}")
    body = body_of(payload)
    # The receiver compares the timestamp with its own clock (and refuses one more than a few
    # minutes off), so it is the real time even when a test clock has moved Parley's.
    headers = signed_headers(secret=secret, event_id=event_id, body=body, at=clock.system_now())
    connection = _PinnedConnection(target, timeout=TIMEOUT)
    watchdog = threading.Timer(TIMEOUT, connection.abort)
    watchdog.start()
    try:
        attempt = _exchange(connection, path=target.path, body=body, headers=headers)
    finally:
        watchdog.cancel()
        connection.close()
    if connection.aborted:  # even a status line read before the cut does not count
        return Attempt(None, TIMED_OUT.format(TIMEOUT))
    return attempt


TIMED_OUT = "no complete answer within {:g} s"


def _exchange(connection: http.client.HTTPConnection, *, path: str, body: str, headers: dict[str, str]) -> Attempt:
    try:
        connection.request("POST", path, body=body.encode(), headers=headers)
        status = connection.getresponse().status
    except TimeoutError:  # the socket's own timeout; whichever of it and the watchdog fires first
        return Attempt(None, TIMED_OUT.format(TIMEOUT))
    except (OSError, http.client.HTTPException) as exc:
        return Attempt(None, f"{type(exc).__name__}: {exc}")
    return Attempt(status, _failure(status))


def _failure(status: int) -> str:
    if 200 <= status < 300:
        return ""
    if 300 <= status < 400:
        return f"HTTP {status}: redirects are not followed; register the final URL"
    return f"HTTP {status}"


def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, host names verified (tests trust their own CA)."""
    return ssl.create_default_context()


class _PinnedConnection(http.client.HTTPConnection):
    """An HTTP(S) connection to the checked address of the target; TLS still verifies the
    certificate against the host name in the URL."""

    def __init__(self, target: Target, *, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target
        self.tls = tls_context() if target.scheme == "https" else None
        if self.tls is not None:
            self.default_port = 443  # so the Host header carries no ":443"
        self.aborted = False

    def connect(self) -> None:
        self.sock = socket.create_connection((self.target.address, self.target.port), timeout=self.timeout)
        if self.aborted:  # the watchdog fired while connecting
            raise TimeoutError("connecting took too long")
        if self.tls is not None:
            self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.target.host)

    def abort(self) -> None:
        """Ends a request that ran out of time, from the watchdog's thread."""
        self.aborted = True
        if self.sock is not None:
            with suppress(OSError):
                self.sock.shutdown(socket.SHUT_RDWR)
