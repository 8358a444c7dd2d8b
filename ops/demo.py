"""Demo data for `make run`: three people and a marketplace in motion, made through the same
actions people use, so every row is one the application could have written itself. With the
test clock on, the demo moves it forward to put disputes in several states; `desk=True` adds a
support desk at work (about sixty items in the staff inbox) for the staff pages to be seen."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import User
from catalog import actions as catalog
from catalog.models import Listing
from core import clock
from core.money import Money
from disputes import actions as disputes
from disputes import mediation, opening
from disputes.models import Dispute
from ledger.queries import wallet_balance
from ops import deadlines
from orders import actions as orders
from orders.models import Order
from payments import actions as payments
from policy.active import configured_policy
from policy.schema import Policy
from tickets import actions as tickets
from tickets import contacts
from tickets.models import Ticket

logger = logging.getLogger("parley.demo")
PASSWORD = "parley-demo"
# The demo's staff member has a second factor like any staff member; its key is public, printed
# in `make run`'s banner, so anyone trying the demo can add it to an authenticator app.
STAFF_TOTP_SECRET = "PARLEYDEMOCAROLSTAFFKEY234567ABC"


@cache
def _password_hash() -> str:
    """The demo password, hashed once: a deliberately slow hash per demo user would make up
    most of the seeding's time."""
    return make_password(PASSWORD)


def _user(username: str, *, staff: bool = False) -> User:
    user = User.objects.create_user(username=username, email=f"{username}@example.org", password=None)
    user.password, user.is_staff = _password_hash(), staff
    user.save(update_fields=["password", "is_staff"])
    return user


def _support(alice: User, bob: User, carol: User) -> None:
    """The contacts page, a ticket the administration answered and one waiting for it."""
    contacts.update_contacts(
        by=carol,
        channels="E-mail: support@parley.example\nTelegram: @parley_support",
        opening_hours="Daily, around the clock",
        intro="Feel free to contact us at any time, but please open a ticket with your question first.",
    )
    asked = tickets.open_ticket(
        by=alice,
        subject="How do I withdraw my balance?",
        category="payment",
        body="I would like to move part of my wallet balance to my bank account.",
    )
    tickets.reply(
        ticket_id=asked.pk,
        by=carol,
        body="Open the Wallet page and use Withdraw: the amount leaves your wallet at once and the payment "
        "provider pays it out (in this demo the sandbox pays at once). Proceeds under a warranty become "
        "available when it ends.",
    )
    tickets.open_ticket(
        by=bob,
        subject="Can I price a listing in EUR?",
        category="other",
        body="Some of my buyers are in Europe.",
    )


def _listings(bob: User) -> dict[str, Listing]:
    items = {
        "key": (
            "Steam key: Hollow Orbit (EU)",
            "product",
            19_99,
            "Region: EU. The key arrives in the delivery note within an hour of payment.",
        ),
        "skin": (
            "Rare skin: Ember Dragon",
            "product",
            12_50,
            "Traded in-game to your character after payment.",
        ),
        "account": (
            "Game account: level 80 mage",
            "product",
            35_00,
            "Full access with the original e-mail. All expansions unlocked.",
        ),
        "gift": ("Gift card, 25 USD", "product", 24_00, "A digital gift card code, delivered instantly."),
        "boost": (
            "Ranked boosting: Silver to Gold",
            "service",
            45_00,
            "A season's worth of ranked games played on your account within 3 days.",
        ),
        "logo": (
            "Logo design, three drafts",
            "service",
            60_00,
            "Three drafts in 48 hours, one round of changes, source files included.",
        ),
    }
    return {
        key: catalog.create_listing(by=bob, title=title, kind=kind, price=Money(price, "USD"), description=text)
        for key, (title, kind, price, text) in items.items()
    }


def _delivered(alice: User, bob: User, listing: Listing, note: str) -> Order:
    order = orders.place_order(by=alice, listing_id=listing.pk)
    return orders.deliver(order_id=order.pk, by=bob, note=note)


def _money_out(alice: User, bob: User, done: Order) -> None:
    """Where the policy allows warranties, a completed order whose proceeds are still held;
    and a withdrawal of part of the payout of `done`."""
    most = configured_policy().max_warranty
    if most is not None:
        warranty = min(most, timedelta(days=7))
        item = catalog.create_listing(
            by=bob,
            title="Game account: level 60 warrior",
            kind="product",
            price=Money(28_00, "USD"),
            description=f"Original e-mail included. Warranty: {warranty.days} days against recovery.",
            warranty=warranty,
        )
        warranted = _delivered(alice, bob, item, "Login: warrior60 / the password is in the chat.")
        orders.confirm(order_id=warranted.pk, by=alice)
    if wallet_balance(bob, done.currency).amount >= 20_00:  # not under a payout hold
        payments.request_withdrawal(by=bob, amount=Money(20_00, done.currency))


def seed(*, desk: bool = False) -> bool:
    """Seeds an empty database; returns False (and does nothing) if anyone exists already.
    All or nothing: a seed that fails half-way leaves the database empty, so the next start
    seeds it again instead of finding a half-made demo."""
    with transaction.atomic(), clock.one_reading():  # one test-clock reading, moved as the seed moves it
        return _seed(desk=desk)


def _seed(*, desk: bool) -> bool:
    if User.objects.exists():
        return False
    alice, bob = _user("alice"), _user("bob")
    carol = _user("carol", staff=True)
    from accounts.twofactor import enrol_for_tests

    if settings.STAFF_SECOND_FACTOR:  # a sandbox may run without (PARLEY_STAFF_SECOND_FACTOR=0)
        enrol_for_tests(carol, STAFF_TOTP_SECRET)
    payments.deposit(by=alice, amount=Money(500_00, "USD"))
    catalogue = _listings(bob)
    if desk and settings.TEST_CLOCK_ENABLED:
        _desk(carol)  # first: the disputes below then keep the states their timers give them
    if settings.TEST_CLOCK_ENABLED:
        _disputes(alice, bob, catalogue)
    # Orders in every everyday state: waiting for delivery, delivered, completed.
    orders.place_order(by=alice, listing_id=catalogue["boost"].pk)
    _delivered(alice, bob, catalogue["skin"], "Traded to character 'AliceTheBrave' on EU-West.")
    done = _delivered(alice, bob, catalogue["logo"], "Drafts: see the three files in the chat.")
    orders.post_message(order_id=done.pk, by=alice, body="Thanks, the second draft is perfect.")
    orders.confirm(order_id=done.pk, by=alice)
    _money_out(alice, bob, done)
    pending = orders.place_order(by=alice, listing_id=catalogue["key"].pk)
    orders.post_message(order_id=pending.pk, by=alice, body="Hi! Is this key really for the EU region?")
    orders.post_message(order_id=pending.pk, by=bob, body="Yes, EU. I'll send it within the hour.")
    _support(alice, bob, carol)
    logger.info("demo data seeded (users alice, bob, carol; password %s)", PASSWORD)
    return True


def _disputes(alice: User, bob: User, catalogue: dict[str, Listing]) -> None:
    """Disputes in several states: one with the administration, one awaiting the seller, one
    negotiating. Moves the test clock forward by the configured policy's own timers (about two
    days under the presets), so the demo seeds whatever the policy file says."""
    policy = configured_policy()
    silent = _delivered(alice, bob, catalogue["account"], "Login: mage80 / the password is in the chat.")
    _advance(policy.min_order_age + _A_MINUTE)
    dispute = opening.open_dispute(
        order_id=silent.pk,
        by=alice,
        reason="not_as_described",
        accept_terms=True,
        description="The account is level 60, not 80, and two expansions are missing.",
        requested_kind="full_refund",
    )
    _to_the_administration(dispute.pk, alice=alice, bob=bob, policy=policy)
    fresh = _delivered(alice, bob, catalogue["gift"], "CODE: GIFT-4821-XXXX")
    talking = _delivered(alice, bob, catalogue["key"], "KEY-7H2Q-99PL-DEMO")
    _advance(policy.min_order_age + _A_MINUTE)
    opening.open_dispute(
        order_id=fresh.pk,
        by=alice,
        reason="defective",
        accept_terms=True,
        description="The gift card code says 'already redeemed'.",
        requested_kind="replacement",
    )
    dispute = opening.open_dispute(
        order_id=talking.pk,
        by=alice,
        reason="incorrect",
        accept_terms=True,
        description="The key is for the US region; I paid for EU.",
        requested_kind="full_refund",
    )
    disputes.post_message(
        dispute_id=dispute.pk,
        by=bob,
        body="Sorry about that. Would a partial refund work? The key does work with a VPN.",
    )
    disputes.propose(
        dispute_id=dispute.pk,
        by=bob,
        kind="partial_refund",
        refund_amount=8_00,
        note="8.00 back and you keep the key.",
    )


_A_MINUTE = timedelta(minutes=1)  # past a boundary, as a person would be, never exactly on it


def _advance(delta: timedelta) -> None:
    deadlines.advance(seconds=int(delta.total_seconds()))


def _to_the_administration(dispute_id: int, *, alice: User, bob: User, policy: Policy) -> None:
    """Brings the new dispute to the administration the way the policy does. Where the seller's
    silence escalates, bob stays silent until his response timer runs out. Otherwise alice
    escalates as soon as the policy lets her (unless the automatic escalation came at that same
    moment); where silence would refund her first, bob answers, so the case stays open."""
    timer = policy.seller_response_due
    if timer is not None and policy.seller_silence_action == "escalate":
        _advance(timer)
        return
    if timer is not None and timer <= policy.escalation_available_after:
        disputes.post_message(dispute_id=dispute_id, by=bob, body="The account is exactly as described.")
    _advance(policy.escalation_available_after)
    if Dispute.objects.filter(pk=dispute_id, status=Dispute.Status.ESCALATED).exists():
        return
    disputes.escalate(dispute_id=dispute_id, by=alice)


# The support desk: buyers and sellers of their own (alice and bob keep the demo's story), a
# second mediator, and cases spread over what an inbox holds.
DESK_BUYERS = ("dan", "erin", "frank", "grace", "hugo")
DESK_SELLERS = ("ivy", "jack", "kira")
DESK_DISPUTES = 28
DESK_TICKETS = 32
DESK_ITEMS = (
    ("Steam key: Starfall Tactics (EU)", "product", 14_99),
    ("Rare skin: Frost Wyvern", "product", 9_50),
    ("Game account: level 70 ranger", "product", 42_00),
    ("Gift card, 50 USD", "product", 48_00),
    ("Coaching: two hours, any role", "service", 30_00),
    ("Ranked boosting: Gold to Platinum", "service", 65_00),
    ("In-game gold, 100k", "product", 7_25),
    ("Stream overlay design", "service", 55_00),
)
DESK_REASONS = ("not_received", "incorrect", "defective", "not_as_described", "incomplete", "other")
DESK_QUESTIONS = (
    "Please upload a screenshot of the error you see when redeeming.",
    "When exactly did you deliver, and through which channel?",
    "Can you show the chat where the region was agreed?",
)
DESK_SUBJECTS = (
    ("My withdrawal has not arrived", "payment"),
    ("I cannot log in after changing my e-mail", "account"),
    ("The seller does not answer in the order chat", "order"),
    ("How long does a dispute take?", "dispute"),
    ("The listing form refuses my price", "technical"),
    ("Can I change my username?", "other"),
)


def _desk(carol: User) -> None:
    """About sixty items for the staff inbox, through the real actions: disputes escalated (by
    the policy's own way), some taken by carol or dave, some with a question to a party (open
    or answered); tickets new, taken, answered and brought back by a reply, some past their
    target. Moves the test clock by the policy's escalation timer."""
    policy = configured_policy()
    dave = _user("dave", staff=True)
    buyers = [_user(name) for name in DESK_BUYERS]
    sellers = [_user(name) for name in DESK_SELLERS]
    for buyer in buyers:
        payments.deposit(by=buyer, amount=Money(1_000_00, "USD"))
    listings = [
        catalog.create_listing(
            by=sellers[n % len(sellers)],
            title=title,
            kind=kind,
            price=Money(price, "USD"),
            description="One of the desk's cases.",
        )
        for n, (title, kind, price) in enumerate(DESK_ITEMS)
    ]
    placed = []
    for n in range(DESK_DISPUTES):
        listing = listings[n % len(listings)]
        order = orders.place_order(by=buyers[n % len(buyers)], listing_id=listing.pk)
        placed.append(orders.deliver(order_id=order.pk, by=listing.seller, note=f"Delivered: DESK-{n:03d}"))
    early = [_desk_ticket(buyers, n) for n in range(DESK_TICKETS // 2)]  # past their target by the end
    _advance(policy.min_order_age + _A_MINUTE)
    opened = [
        opening.open_dispute(
            order_id=order.pk,
            by=order.buyer,
            reason=DESK_REASONS[n % len(DESK_REASONS)],
            accept_terms=True,
            description="It is not what I paid for; details in the chat.",
            requested_kind="full_refund",
        )
        for n, order in enumerate(placed)
    ]
    _all_to_the_administration(opened, policy=policy)
    for n, dispute in enumerate(opened):
        if n % 3 == 1:
            mediation.assign(dispute_id=dispute.pk, by=carol, assignee=carol.username)
        elif n % 5 == 2:
            mediation.assign(dispute_id=dispute.pk, by=dave, assignee=dave.username)
        if n % 4 == 3:
            party = "buyer" if n % 8 == 3 else "seller"
            asked = mediation.request_info(
                dispute_id=dispute.pk, by=carol, party=party, question=DESK_QUESTIONS[n % len(DESK_QUESTIONS)]
            )
            if n % 12 == 7:
                who = dispute.order.buyer if party == "buyer" else dispute.order.seller
                mediation.answer_info(request_id=asked.pk, by=who, body="Here it is: attached to the case.")
    for n, ticket in enumerate(early):
        if n % 3 == 0:
            tickets.assign(ticket_id=ticket.pk, by=dave, assignee_username=dave.username)
        if n % 4 == 1:
            tickets.reply(ticket_id=ticket.pk, by=carol, body="Thanks, we are looking into it.")
            tickets.reply(ticket_id=ticket.pk, by=ticket.owner, body="Any news? It is still the same.")
    for n in range(DESK_TICKETS // 2, DESK_TICKETS):
        _desk_ticket(buyers, n)


def _desk_ticket(buyers: list[User], n: int) -> Ticket:
    subject, category = DESK_SUBJECTS[n % len(DESK_SUBJECTS)]
    return tickets.open_ticket(
        by=buyers[n % len(buyers)], subject=subject, category=category, body="Could you help me with this?"
    )


def _all_to_the_administration(opened: list[Dispute], *, policy: Policy) -> None:
    """`_to_the_administration` for many disputes at once: one move of the clock for all."""
    timer = policy.seller_response_due
    if timer is not None and policy.seller_silence_action == "escalate":
        _advance(timer + _A_MINUTE)
        return
    if timer is not None and timer <= policy.escalation_available_after:
        for dispute in opened:
            disputes.post_message(dispute_id=dispute.pk, by=dispute.order.seller, body="It was as described.")
    _advance(policy.escalation_available_after + _A_MINUTE)
    escalated = set(Dispute.objects.filter(status=Dispute.Status.ESCALATED).values_list("pk", flat=True))
    for dispute in opened:
        if dispute.pk not in escalated:
            disputes.escalate(dispute_id=dispute.pk, by=dispute.order.buyer)
