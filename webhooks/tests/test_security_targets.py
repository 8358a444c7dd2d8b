"""Finding: the webhook address check accepted IPv6 forms that embed an IPv4 address
(`[::7f00:1]`, `[::127.0.0.1]`, `[::ffff:0:7f00:1]`, `[64:ff9b::7f00:1]`, the cloud metadata
address through NAT64) and site-local `[fec0::1]`. Every IPv6 form that carries an IPv4
address is judged by that address."""

from __future__ import annotations

import ipaddress

import pytest

from webhooks.targets import TargetRefused, resolve


@pytest.fixture
def production(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOWED_HOSTS = []
    return settings


def _forms(v4: str) -> dict[str, str]:
    """Every IPv6 form that embeds the IPv4 address `v4`."""
    n = int(ipaddress.IPv4Address(v4))
    hi, lo = n >> 16, n & 0xFFFF
    return {
        "mapped": f"::ffff:{v4}",
        "mapped, hex": f"::ffff:{hi:x}:{lo:x}",
        "compatible": f"::{v4}",
        "compatible, hex": f"::{hi:x}:{lo:x}",
        "translated (SIIT)": f"::ffff:0:{hi:x}:{lo:x}",
        "NAT64 well-known": f"64:ff9b::{hi:x}:{lo:x}",
        "NAT64 local-use": f"64:ff9b:1::{hi:x}:{lo:x}",
        "6to4": f"2002:{hi:x}:{lo:x}::1",
        "Teredo server": f"2001:0:{hi:x}:{lo:x}::1",
        "Teredo client": f"2001:0:4136:e378:8000:63bf:{hi ^ 0xFFFF:x}:{lo ^ 0xFFFF:x}",
    }


INTERNAL = ["127.0.0.1", "10.0.0.1", "169.254.169.254", "192.168.1.1", "100.64.0.1", "0.0.0.0"]
CASES = [(form, v4, address) for v4 in INTERNAL for form, address in _forms(v4).items()]


@pytest.mark.parametrize(("form", "v4", "address"), CASES, ids=[f"{f} {v}" for f, v, _ in CASES])
def test_every_ipv6_form_of_an_internal_ipv4_address_is_refused(production, dns, form, v4, address):
    with pytest.raises(TargetRefused, match="not a public address"):
        resolve(f"https://[{address}]/hook")


@pytest.mark.parametrize(
    "address", ["::7f00:1", "::127.0.0.1", "::ffff:0:7f00:1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "fec0::1"]
)
def test_the_reported_addresses_are_refused(production, dns, address):
    with pytest.raises(TargetRefused, match="not a public address"):
        resolve(f"https://[{address}]/hook")


@pytest.mark.parametrize("address", ["fec0::1", "fed0::5", "feff:ffff::1"])
def test_site_local_addresses_are_refused(production, dns, address):
    with pytest.raises(TargetRefused, match="not a public address"):
        resolve(f"https://[{address}]/")


def test_a_name_resolving_to_an_embedding_form_is_refused(production, dns):
    dns["sneaky.example.test"] = ["64:ff9b::a9fe:a9fe"]
    with pytest.raises(TargetRefused, match="not a public address"):
        resolve("https://sneaky.example.test/")


@pytest.mark.parametrize("form", ["NAT64 well-known", "6to4"])
def test_a_public_ipv4_address_in_an_ipv6_form_is_accepted(production, dns, form):
    address = _forms("93.184.216.34")[form]
    assert resolve(f"https://[{address}]/").address == str(ipaddress.ip_address(address))


def test_an_ordinary_public_ipv6_address_is_accepted(production, dns):
    assert resolve("https://[2606:2800:220:1:248:1893:25c8:1946]/").port == 443
