"""A webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread that answers from a
script and keeps every request, plus an independent Standard Webhooks verifier."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import ssl
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

TOLERANCE = 300  # seconds, as the Standard Webhooks spec recommends


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """`script(200)`, `script(500, 200)`, `script(("redirect", "/elsewhere"))`,
    `script(("slow", 1.0))`, `script(("trickle", 1.0))`: how the next requests are answered
    (200 once the script runs out)."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[Received] = []
        self._script: deque[Any] = deque()
        handler = type("Handler", (_Handler,), {"receiver": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.scheme = "https" if tls else "http"
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/hook"

    def script(self, *answers: Any) -> None:
        self._script.extend(answers)

    def next_answer(self) -> Any:
        return self._script.popleft() if self._script else 200

    def start(self) -> Receiver:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=2)


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver
    timeout = 5  # a stuck connection cannot hold the test

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        self.receiver.requests.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        answer = self.receiver.next_answer()
        if isinstance(answer, int):
            self._reply(answer)
        elif answer[0] == "redirect":
            self._reply(302, location=answer[1])
        elif answer[0] == "slow":
            time.sleep(answer[1])
            self._reply(200)
        elif answer[0] == "trickle":  # a status line, then a header byte now and then
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            stop_at = time.monotonic() + answer[1]
            with contextlib.suppress(OSError):  # the client hangs up on us, as it should
                while time.monotonic() < stop_at:
                    self.wfile.write(b"X")
                    self.wfile.flush()
                    time.sleep(0.05)

    def _reply(self, status: int, **headers: str) -> None:
        with contextlib.suppress(OSError):  # the client may have given up already
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def verify(secret: str, received: Received, *, now: float | None = None) -> Any:
    """Standard Webhooks verification written from the spec, independently of Parley's signer:
    recompute HMAC-SHA256 over "{id}.{timestamp}.{body}" with the base64-decoded secret,
    compare in constant time with each v1 signature, and refuse a timestamp more than five
    minutes from now. Raises AssertionError on any mismatch; returns the parsed body."""
    msg_id = received.headers["webhook-id"]
    timestamp = received.headers["webhook-timestamp"]
    current = time.time() if now is None else now
    assert abs(current - int(timestamp)) <= TOLERANCE, f"timestamp {timestamp} is off by more than 5 minutes"
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + received.body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest())
    given = [s.split(",", 1) for s in received.headers["webhook-signature"].split(" ")]
    assert any(v == "v1" and hmac.compare_digest(sig.encode(), expected) for v, sig in given), "no valid signature"
    return json.loads(received.body)


def self_signed(folder: Path, name: str) -> tuple[Path, Path]:
    """A certificate for `name` and its key, made by the openssl command (a test CA of one)."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1", "-subj", f"/CN={name}"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return cert, key
