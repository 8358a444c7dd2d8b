"""The SSRF guard: which URLs may receive webhooks (OWASP API7, T19)."""

from __future__ import annotations

import pytest

from webhooks.targets import TargetRefused, resolve


@pytest.fixture
def production(settings):
    """What a production deployment has: https only, nothing allow-listed."""
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOWED_HOSTS = []
    return settings


def test_a_public_https_target_is_pinned_to_the_address_that_was_checked(production, dns):
    dns["hooks.example.test"] = ["93.184.216.34"]
    target = resolve("https://hooks.example.test/parley?src=1")
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.test", 443)
    assert (target.path, target.address) == ("/parley?src=1", "93.184.216.34")


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",
        "https://172.16.3.4/hook",
        "https://192.168.1.10:8443/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/",
        "https://0.0.0.0/",
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:10.0.0.1]/hook",
        "https://224.0.0.1/",
    ],
)
def test_private_loopback_and_link_local_targets_are_refused(production, dns, url):
    dns["localhost"] = ["127.0.0.1", "::1"]
    with pytest.raises(TargetRefused) as refused:
        resolve(url)
    assert refused.value.code == "webhook_url_not_allowed"
    assert "not a public address" in refused.value.detail


def test_a_name_that_resolves_to_a_private_address_is_refused(production, dns):
    dns["internal.example.test"] = ["10.1.2.3"]
    dns["mixed.example.test"] = ["93.184.216.34", "192.168.0.1"]
    for url in ("https://internal.example.test/", "https://mixed.example.test/"):
        with pytest.raises(TargetRefused, match="not a public address"):
            resolve(url)


def test_plain_http_is_refused_unless_allowed(production, dns, settings):
    dns["hooks.example.test"] = ["93.184.216.34"]
    with pytest.raises(TargetRefused, match="must use https") as refused:
        resolve("http://hooks.example.test/")
    assert refused.value.code == "webhook_url_not_allowed"
    settings.WEBHOOKS_ALLOW_HTTP = True
    assert resolve("http://hooks.example.test/").port == 80


def test_the_allow_list_takes_host_names_addresses_and_networks(production, dns, settings):
    dns["billing.internal"] = ["10.1.2.3"]
    dns["other.internal"] = ["10.1.2.4"]
    dns["far.internal"] = ["10.9.9.9"]
    settings.WEBHOOKS_ALLOWED_HOSTS = ["billing.internal", "10.1.2.0/24", "127.0.0.1"]
    assert resolve("https://billing.internal/").address == "10.1.2.3"
    assert resolve("https://other.internal/").address == "10.1.2.4"
    assert resolve("https://127.0.0.1:9000/").port == 9000
    with pytest.raises(TargetRefused):
        resolve("https://far.internal/")
    with pytest.raises(TargetRefused):
        resolve("https://127.0.0.2/")


@pytest.mark.parametrize(
    "url",
    [
        "",
        "hooks.example.test/path",
        "ftp://hooks.example.test/",
        "https://user:secret@hooks.example.test/",
        "https://hooks.example.test/#part",
        "https://hooks.example.test/a path",
        "https://hooks.example.test:99999/",
        "https://hooks.example.test/" + "a" * 2000,
    ],
)
def test_malformed_urls_are_refused_as_invalid_input(production, dns, url):
    dns["hooks.example.test"] = ["93.184.216.34"]
    with pytest.raises(TargetRefused) as refused:
        resolve(url)
    assert refused.value.code == "validation_error"
    assert refused.value.fields == {"url": [refused.value.detail]}


def test_a_host_that_does_not_resolve_is_refused(production, dns):
    with pytest.raises(TargetRefused, match="does not resolve") as refused:
        resolve("https://nowhere.example.test/")
    assert refused.value.code == "webhook_url_unresolvable"
