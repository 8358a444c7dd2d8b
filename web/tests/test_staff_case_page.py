"""What the mediator reads on the staff case page before deciding: both chats in one timeline,
each evidence file's digest, the order's ledger lines, the listing as the buyer saw it, the
policy version the order pinned, and the rules of this case spelled out. Each part is looked
for where the page shows it, so a part that disappears fails its own assertion."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import actions as catalog
from core.money import Money
from disputes import actions as dispute_actions
from disputes import guidance
from disputes.models import Dispute
from disputes.tests.support import bring_to_administration
from ledger.models import Entry
from orders import actions as order_actions
from policy import active
from testsupport import factories

VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        parts = (c if isinstance(c, str) else c.text() for c in self.children)
        return " ".join(" ".join(parts).split())

    def all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if (tag is None or child.tag == tag) and all(child.attrs.get(k) == v for k, v in attrs.items()):
                    found.append(child)
                found += child.all(tag, **attrs)
        return found

    def has_class(self, name: str) -> bool:
        return name in self.attrs.get("class", "").split()


class _Tree(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Node("document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if any(n.tag == tag for n in self.stack[1:]):
            while self.stack.pop().tag != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    return tree.root


def section(page: Node, heading: str) -> Node:
    """The page's card whose heading is `heading`."""
    (found,) = [s for s in page.all("section") if any(h.text() == heading for h in s.all("h2"))]
    return found


def png(colour: str) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), colour).save(out, format="PNG")
    return SimpleUploadedFile(f"{colour}.png", out.getvalue(), content_type="image/png")


@pytest.fixture
def case(make_user, tclock, preset):
    """An escalated dispute with both chats interleaved, two evidence files, and a listing
    changed after the order was placed."""
    buyer, seller, staff = make_user("buyer"), make_user("seller"), make_user("mediator", staff=True)
    order = factories.delivered_order(buyer, seller, kind="product")
    order_actions.post_message(order_id=order.pk, by=buyer, body="Is this the EU key?")
    tclock.advance(seconds=active.configured_policy().min_order_age.total_seconds())
    dispute = factories.open_dispute(order, reason="defective", description="The key was already redeemed.")
    tclock.advance(minutes=1)
    dispute_actions.post_message(dispute_id=dispute.pk, by=buyer, body="It says already redeemed.")
    tclock.advance(minutes=1)
    order_actions.post_message(order_id=order.pk, by=seller, body="I sent it an hour ago.")
    tclock.advance(minutes=1)
    dispute_actions.post_message(dispute_id=dispute.pk, by=seller, body="Here is my sales log.")
    evidence = [
        dispute_actions.add_evidence(dispute_id=dispute.pk, by=buyer, upload=png("red")),
        dispute_actions.add_evidence(dispute_id=dispute.pk, by=seller, upload=png("green")),
    ]
    dispute = bring_to_administration(dispute, tclock)
    catalog.update_listing(
        listing_id=order.listing_id,
        by=seller,
        title="Steam key (now GLOBAL)",
        description="Changed after the sale.",
        kind="product",
        price=Money(order.price_amount, order.currency),
        is_active=True,
    )
    return {"order": order, "dispute": dispute, "evidence": evidence, "staff": staff}


@pytest.fixture
def shown(client, case, settings):
    """The case page as staff see it, after the deployment moved on to another policy."""
    pinned = case["order"].policy_version
    settings.POLICY = "igitems" if pinned.name != "igitems" else "difmark"
    active.configured_policy.cache_clear()
    assert active.current_version().label != pinned.label
    client.force_login(case["staff"])
    response = client.get(f"/staff/disputes/{case['dispute'].public_id}/")
    assert response.status_code == 200
    yield parse(response.content.decode())
    active.configured_policy.cache_clear()


def test_both_chats_are_one_timeline_in_the_order_things_were_said(case, shown):
    (record,) = shown.all(**{"data-testid": "record"})
    said = []
    for entry in (m for m in record.all("div") if m.has_class("msg")):
        (meta,), (body,) = entry.all("div", **{"class": "meta"}), entry.all("div", **{"class": "body"})
        if " chat · " in meta.text():
            said.append((meta.text().split(" · ")[0], body.text()))
    assert said == [
        ("order chat", "Is this the EU key?"),
        ("dispute chat", "It says already redeemed."),
        ("order chat", "I sent it an hour ago."),
        ("dispute chat", "Here is my sales log."),
    ]


def test_each_evidence_file_shows_the_digest_of_its_stored_bytes(case, shown):
    gallery = section(shown, "Evidence").text()
    for item in case["evidence"]:
        digest = hashlib.sha256(Path(item.file.path).read_bytes()).hexdigest()
        assert f"SHA-256 {digest}" in gallery
        assert item.original_name in gallery


def test_the_ledger_lines_of_the_order_are_listed(case, shown):
    rows = [[cell.text() for cell in row.all("td")] for row in section(shown, "Ledger").all("tr")]
    entries = Entry.objects.filter(transaction__order=case["order"]).select_related("transaction", "account__user")
    expected = [
        [
            e.transaction.get_kind_display(),
            e.account.get_kind_display() + (f" ({e.account.user.username})" if e.account.user else ""),
            Money(e.amount, e.currency).format(),
        ]
        for e in entries.order_by("id")
    ]
    assert len(expected) >= 2  # the escrow funding: the buyer's wallet out, the escrow in
    assert rows == expected


def test_the_listing_is_shown_as_the_buyer_saw_it(case, shown):
    snapshot = case["order"].listing_snapshot
    seen = section(shown, "What the buyer saw").text()
    assert snapshot["title"] in seen and snapshot["description"] in seen
    assert "Changed after the sale." not in seen and "GLOBAL" not in seen
    # The edit made during the dispute is on the record as an edit, with what changed.
    record = section(shown, "The record: both chats and every event").text()
    assert "edited the listing during the dispute" in record and "Changed after the sale." in record


def test_the_policy_version_the_order_pinned_is_named(case, shown):
    pinned = case["order"].policy_version
    assert f"rules {pinned.label}" in shown.text()
    assert active.current_version().label not in shown.text()


def test_the_rules_of_this_case_are_spelled_out(case, shown):
    (listed,) = shown.all("ul", **{"data-testid": "applicable-rules"})
    lines = [item.text() for item in listed.all("li")]
    dispute = Dispute.objects.select_related("order__policy_version").get(pk=case["dispute"].pk)
    assert lines == guidance.applicable_rules(dispute)
    assert any("defective" in line and "keep nothing" in line for line in lines)  # this case's reason


def test_the_question_form_gives_the_answer_time_of_the_pinned_policy(client, make_user, tclock, policy_file):
    policy_file('extends = "standard"\ninfo_request_due = "36h"\n')
    buyer, seller, staff = make_user(), make_user(), make_user(staff=True)
    order = factories.delivered_order(buyer, seller)
    tclock.advance(minutes=15)
    dispute = bring_to_administration(factories.open_dispute(order), tclock)
    client.force_login(staff)
    page = client.get(f"/staff/disputes/{dispute.public_id}/").content.decode()
    assert "Due in 36 hours. No answer forfeits" in page
