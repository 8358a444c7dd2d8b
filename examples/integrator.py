#!/usr/bin/env python3
"""A marketplace's backend driving Parley, from end to end: the walkthrough of the README's
"Integrating a marketplace". Standard library plus `standardwebhooks` only.

    make run                                   # prints "Demo API key: psk_…"
    PARLEY_API_KEY=psk_… python examples/integrator.py

It registers a webhook on a listener of its own, provisions a buyer and a seller, lists, orders,
delivers, opens a dispute, checks the signed webhooks it received against `GET /events`, and
prints a login link that takes the buyer to the dispute. Opening the dispute needs the order to
be 15 minutes old; the script moves the demo's test clock for that, acting for a staff member
(the demo key has the `staff` scope). Environment: PARLEY_URL (default http://127.0.0.1:8000),
PARLEY_API_KEY."""

from __future__ import annotations

import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook

BASE = os.environ.get("PARLEY_URL", "http://127.0.0.1:8000").rstrip("/")
KEY = os.environ.get("PARLEY_API_KEY", "")


class ParleyError(Exception):
    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('code')}: {problem.get('detail')}")
        self.status, self.problem = status, problem


def call(method: str, path: str, body: Any = None, *, as_user: str | None = None, idempotent: bool = False) -> Any:
    """One API call with the key; `as_user` acts on behalf of that user (usr_…)."""
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    if as_user:
        headers["Parley-On-Behalf-Of"] = as_user
    if idempotent:  # safe to retry: the server does it once
        headers["Idempotency-Key"] = secrets.token_hex(16)
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + "/api/v1" + path, data=data, headers=headers, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (our own server)
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        raise ParleyError(exc.code, json.loads(exc.read() or b"{}")) from None


class Listener:
    """The marketplace's webhook receiver: verifies each POST with the endpoint's secret."""

    def __init__(self) -> None:
        self.secret = ""
        self.events: list[dict[str, Any]] = []
        self.refused = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    event = Webhook(owner.secret).verify(body, dict(self.headers.items()))
                except Exception:  # a bad signature: refuse it, Parley retries
                    owner.refused += 1
                    self.send_response(400)
                else:
                    owner.events.append(event)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/parley-webhooks"

    def wait_for(self, event_type: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event in self.events:
                if event["type"] == event_type:
                    return event
            time.sleep(0.2)
        raise SystemExit(f"no {event_type} webhook arrived within {timeout:g} s")


def provision(external_id: str, email: str, name: str) -> str:
    """The Parley user for our own user `external_id`, created on first sight."""
    try:
        user = call("POST", "/users", {"external_id": external_id, "email": email, "display_name": name})
    except ParleyError as exc:
        if exc.problem.get("code") != "external_id_taken":
            raise
        return str(exc.problem["existing_id"])
    return str(user["id"])


def staff_member() -> str | None:
    cursor = None
    while True:
        page = call("GET", "/users?limit=100" + (f"&cursor={cursor}" if cursor else ""))
        for user in page["items"]:
            if user["is_staff"] and user["status"] == "active":
                return str(user["id"])
        if not (cursor := page["next_cursor"]):
            return None


def main() -> int:
    if not KEY.startswith("psk_"):
        print("Set PARLEY_API_KEY to a key (make run prints a demo key).", file=sys.stderr)
        return 2
    run = secrets.token_hex(3)
    listener = Listener()
    hook = call(
        "POST", "/webhooks", {"url": listener.url, "description": "walkthrough", "events": ["order.", "dispute."]}
    )
    listener.secret = hook["secret"]
    print(f"1. webhook {hook['id']} → {listener.url}")

    buyer = provision(f"shop-buyer-{run}", f"buyer-{run}@shop.example", "Bea Buyer")
    seller = provision(f"shop-seller-{run}", f"seller-{run}@shop.example", "Sam Seller")
    assert provision(f"shop-buyer-{run}", f"buyer-{run}@shop.example", "Bea Buyer") == buyer  # 409 → the same id
    print(f"2. provisioned buyer {buyer} and seller {seller}")

    price = {"amount": 25_00, "currency": "USD"}
    listing = call(
        "POST",
        "/listings",
        {"title": "Game key", "description": "EU region", "kind": "product", "price": price, "metadata": {"sku": run}},
        as_user=seller,
    )
    call("POST", "/wallet/deposits", {"amount": {"amount": 100_00, "currency": "USD"}}, as_user=buyer, idempotent=True)
    order = call(
        "POST", "/orders", {"listing_id": listing["id"], "metadata": {"cart": run}}, as_user=buyer, idempotent=True
    )
    print(f"3. listing {listing['id']}; order {order['id']} is {order['status']} (buyer_id {order['buyer_id']})")
    order = call("POST", f"/orders/{order['id']}/deliver", {"note": "KEY-1234-ABCD"}, as_user=seller)
    print(f"4. the seller delivered: {order['status']}")

    staff = staff_member()
    if staff is None:
        print("No staff member to move the test clock; cannot open a dispute yet.", file=sys.stderr)
        return 1
    call("POST", "/test-clock/advance", {"seconds": 16 * 60}, as_user=staff)
    dispute = call(
        "POST",
        "/disputes",
        {
            "order_id": order["id"],
            "reason": "incorrect",
            "description": "The key is for the wrong region.",
            "requested_outcome": {"kind": "full_refund"},
            "accept_terms": True,
            "metadata": {"ticket": f"support-{run}"},
        },
        as_user=buyer,
        idempotent=True,
    )
    print(f"5. dispute {dispute['id']} is {dispute['status']}; its timeline says: {dispute['timeline'][-1]['text']}")

    opened = listener.wait_for("dispute.opened")
    via = opened["data"]["actor"].get("key_id")
    print(f"6. webhook {opened['id']} ({opened['type']}) arrived, signature verified; made via key {via}")

    events = call("GET", f"/events?subject={order['id']}&limit=100")["items"]
    received = {e["id"]: e for e in listener.events}
    same = [e for e in events if e["id"] in received and received[e["id"]] == e]
    print(f"7. GET /events lists {len(events)} events of {order['id']}; {len(same)} equal the webhooks received")

    link = call("POST", f"/users/{buyer}/login-links", {"next": f"/disputes/{dispute['id']}/"})
    print(f"8. the buyer's login link (one use, until {link['expires_at']}):\n   {link['url']}")
    call("POST", f"/webhooks/{hook['id']}/disable")
    return 0 if opened and same else 1


if __name__ == "__main__":
    sys.exit(main())
