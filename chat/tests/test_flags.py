"""Messages pointing off the platform are flagged (PRODUCT.md §7), disguises included; ordinary
messages about the deal are not."""

from __future__ import annotations

import time

import pytest

from chat.flags import OFF_PLATFORM, flags_for

OFF_PLATFORM_MESSAGES = [
    # e-mail, plain and disguised
    "write me at bob@example.com",
    "BOB.SELLER+keys@Example.CO.UK",
    "bob at gmail dot com",
    "bob (at) gmail (dot) com",
    "bob [at] gmail [dot] com",
    "bob{at}mail{dot}ru",
    "\uff42\uff4f\uff42\uff20\uff47\uff4d\uff41\uff49\uff4c\uff0e\uff43\uff4f\uff4d",  # full-width
    "bob@gm\u200bail.com",  # zero-width space
    # phones
    "+1 415 555 0100",
    "call me 8 (800) 555-35-35",
    "+44 20 7946 0958",
    "my number: 0171 555 1234",
    "+4915112345678",
    # messengers and handles
    "my telegram is @bob_seller",
    "add me on Telegram",
    "tg: bobseller",
    "discord: bob#1234",
    "join discord.gg/abcdef",
    "t.me/bobseller",
    "wa.me/14155550100",
    "message me on WhatsApp",
    "skype live:bob",
    # outside links
    "https://example.com/deal",
    "http://cheap-keys.net",
    "www.example.org",
    "go to cheapkeys.ru for a discount",
]

PLAIN_MESSAGES = [
    "Thanks, the key works!",
    "I paid 100.00 USD at 10:30 this morning.",
    "Order ord_7h3k2m delivered, please confirm.",
    "I'll deliver at noon tomorrow.",
    "The key is XKJ4-99QZ-MM2P, enjoy.",
    "Your account is level 80 now. Done.",
    "Please check the delivery note and confirm when you are happy.",
    "Can you send the rest today? I only got 2 of 3 items.",
    "I will be at home at 5pm",
    "It costs 19.99, not 29.99.",
    "Meet me at the auction house in game",
    "Delivered on 2026-03-05 14:00 as agreed.",
    "Boosting done on 05.03.2026, 18:30.",
    "The gift card code is 1234-5678-9012-3456",
    "Rank went from 1500 to 2100 MMR.",
    "email?",
    "Sent! Check your inventory.",
]


@pytest.mark.parametrize("body", OFF_PLATFORM_MESSAGES)
def test_off_platform_contact_is_flagged(body):
    assert flags_for(body) == [OFF_PLATFORM]


@pytest.mark.parametrize("body", PLAIN_MESSAGES)
def test_ordinary_messages_are_not_flagged(body):
    assert flags_for(body) == []


def test_links_to_the_platform_itself_are_fine():
    assert flags_for("see https://parley.example.org/orders/ord_1/", own_hosts=("parley.example.org",)) == []
    assert flags_for("see https://parley.example.org.evil.com/", own_hosts=("parley.example.com",)) == [OFF_PLATFORM]


@pytest.mark.parametrize(
    "body",
    ["1" * 4999 + "x", "1-" * 2500, "x." * 2500, "a" * 5000, "a." * 2500 + "@", "a at " * 1000, "a@" * 2500],
)
def test_a_long_hostile_message_is_checked_quickly(body):
    # The patterns once backtracked from every character: a 5000-character message cost seconds
    # of CPU on each post. The bound is generous; the fixed patterns take milliseconds.
    started = time.perf_counter()
    flags_for(body)
    assert time.perf_counter() - started < 0.5


def test_messages_in_the_order_chat_carry_their_flags(make_user):
    from orders import actions
    from testsupport import factories

    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)

    flagged = actions.post_message(order_id=order.pk, by=buyer, body="mail me: buyer at gmail dot com")
    plain = actions.post_message(order_id=order.pk, by=seller, body="Delivering in an hour.")

    flagged.refresh_from_db()
    plain.refresh_from_db()
    assert (flagged.flags, plain.flags) == ([OFF_PLATFORM], [])
    assert (flagged.author_role, plain.author_role) == ("buyer", "seller")
