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
    [
        "1" * 4999 + "x",
        "1-" * 2500,
        "x." * 2500,
        "a" * 5000,
        "a." * 2500 + "@",
        "a at " * 1000,
        "a@" * 2500,
        # Many mentions of a messenger, a provider or a payment system, each once looked at the
        # whole message again.
        ("tg: " * 1250)[:5000],
        ("telegram " * 556)[:5000],
        ("gmail: a.b " * 455)[:5000],
        ("сбербанк " * 560)[:5000],
        ("восемь " * 715)[:5000],
    ],
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


# What kind of contact, said plainly (PRODUCT.md §16) ------------------------------------------

from chat.flags import findings  # noqa: E402


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("bob at gmail dot com", "an e-mail address"),
        ("почта ivan собака mail точка ru", "an e-mail address"),
        ("b o b @ g m a i l . c o m", "an e-mail address"),
        ("call me +1 415 555 0100", "a phone number"),
        ("four one five five five five zero one zero zero", "a phone number"),
        ("восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь", "a phone number"),
        ("my tg is @bob_keys", "a messenger contact (Telegram)"),
        ("пиши в телегу", "a messenger contact (Telegram)"),
        ("добавляйся в дс, ник kirill.trade", "a messenger contact (Discord)"),
        ("вотсап есть?", "a messenger contact (WhatsApp)"),
        ("pay me by PayPal", "payment outside Parley (PayPal)"),
        ("переведи на карту", "payment outside Parley (card transfer)"),
        ("BTC: 18ZaVcAT9uahY1jsgF4MQSE7TiZrCjgR3v", "a crypto wallet address (BTC)"),
        ("ETH 0xaabfe228f219e9cb0eb53f16947ccf25ec84d8db", "a crypto wallet address (ETH)"),
        ("TRC20 TQr56EdpSmaZDzUNBS4C2kp3uf5ptgLpcu", "a crypto wallet address (TRX)"),
        ("check cheapkeys.net", "a link outside Parley"),
        ("give me your number", "a request for contact details"),
    ],
)
def test_each_finding_names_the_kind_of_contact(body, reason):
    assert reason in [f.label for f in findings(body)]


@pytest.mark.parametrize(
    "body",
    [
        "Order ord_7h3k2m is delivered",
        "Your key: XKJ4Q-99QZM-MM2PL",
        "ABCDE-FGHIJ-KLMNO",
        "Item id 12345678",
        "Предмет id 87654321",
        "The price is 19.99 USD, 1,299.00 for ten",
        "Цена 1 299,00 рублей",
        "The game's official Discord posts the patch notes",
        "Discord Nitro and Telegram Premium are in the delivery note",
        "Backup code 8842 1193",
        "Redeem it at store.steampowered.com/account/registerkey",
        "a BTC-looking string that fails its checksum: 18ZaVcAT9uahY1jsgF4MQSE7TiZrCjgR3w",
    ],
)
def test_order_numbers_keys_codes_prices_and_ids_are_not_contact(body):
    assert findings(body) == []


def test_the_api_message_says_why_it_was_flagged(api, make_user):
    from testsupport import factories

    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    body = api(buyer).post(f"/orders/{order.public_id}/messages", {"body": "my tg is @buyer_77"}).json()
    assert body["flags"] == [OFF_PLATFORM]
    assert body["flag_details"] == [
        {"flag": OFF_PLATFORM, "kind": "messenger", "detail": "Telegram", "reason": "a messenger contact (Telegram)"}
    ]
    plain = api(seller).post(f"/orders/{order.public_id}/messages", {"body": "Delivering at 18:00"}).json()
    assert (plain["flags"], plain["flag_details"]) == ([], [])


def test_both_sides_see_a_reminder_that_names_the_kind_of_contact(make_user):
    from django.test import Client

    from conftest import PASSWORD
    from orders import actions
    from testsupport import factories

    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    actions.post_message(order_id=order.pk, by=seller, body="pay me by PayPal, cheaper")
    for person in (buyer, seller):
        browser = Client()
        browser.login(username=person.username, password=PASSWORD)
        page = browser.get(f"/orders/{order.public_id}/").content.decode()
        assert "seems to share payment outside Parley (PayPal)" in page
        assert "not protected by the escrow" in page


def test_links_to_the_public_url_are_parleys_own(make_user, settings):
    from orders import actions
    from testsupport import factories

    settings.PUBLIC_URL = "https://market.example.net"
    buyer, seller = make_user(), make_user()
    order = factories.paid_order(buyer, seller)
    message = actions.post_message(order_id=order.pk, by=buyer, body="see https://market.example.net/orders/x/")
    assert message.flags == []


# The vocabularies are data, checked once ------------------------------------------------------


def test_the_vocabularies_load_and_cover_both_languages():
    from chat.vocabulary import load

    vocabulary = load()
    assert set(vocabulary.languages) == {"en", "ru"}
    assert "telegram" in vocabulary.languages["ru"].messengers
    assert load() is vocabulary  # read once


def _copy_vocabulary(tmp_path):
    import shutil

    from chat.vocabulary import FOLDER

    for name in ("common.toml", "en.toml", "ru.toml"):
        shutil.copy(FOLDER / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("file", "change", "message"),
    [
        ("en.toml", ('[email]\nat = ["at"]', "[email]\nat = []"), "en.toml: email.at"),
        ("ru.toml", ('language = "ru"', 'language = "de"'), "ru.toml: language"),
        ("en.toml", ("[phone]", "[phone]\nsurprise = 1"), "en.toml: phone.surprise"),
        ("en.toml", ("nine = 9 }", "nine = 12 }"), "en.toml: numbers.units"),
        ("common.toml", ("[links]", "[links"), "common.toml"),
    ],
)
def test_a_broken_vocabulary_stops_start_up_naming_the_file_and_field(tmp_path, file, change, message):
    from django.core.exceptions import ImproperlyConfigured

    from chat.vocabulary import load_from

    folder = _copy_vocabulary(tmp_path)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match=message.replace(".", r"\.")):
        load_from(folder)
