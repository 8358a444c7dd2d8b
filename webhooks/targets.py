"""Where a webhook may go: the guard against server-side request forgery (OWASP API7).

Staff type the URL, and Parley then makes requests to it from inside the deployment's network,
so a URL must not reach what only the server can reach. A target is accepted when it is https
(or http where `PARLEY_WEBHOOKS_ALLOW_HTTP` is on) and every address its host resolves to is
public, unless the host or the address is in `PARLEY_WEBHOOKS_ALLOWED_HOSTS`.

The check runs when an endpoint is registered and again before every send, because DNS answers
change. `resolve()` returns the address it checked, and the sender connects to that address
instead of looking the name up again, so a second answer cannot slip in between (DNS
rebinding)."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ValidationFailed
from webhooks.models import MAX_URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f]")
# The system resolver; tests replace it to play DNS answers without a network.
_resolver = socket.getaddrinfo


class TargetRefused(ValidationFailed):
    """The URL may not be used as a webhook target (422, with the reason)."""

    default_code = "webhook_url_not_allowed"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail, code=code, fields={"url": [detail]})


@dataclass(frozen=True, slots=True)
class Target:
    scheme: str  # "https" or "http"
    host: str  # as the URL names it: the Host header and the name TLS verifies
    port: int
    path: str  # path and query, for the request line
    address: str  # the checked IP address to connect to


def resolve(url: str) -> Target:
    """The target of `url`, checked; raises `TargetRefused` saying why it may not be used."""
    parts = _parse(url)
    host = _host(parts)
    port = _port(parts)
    addresses = _lookup(host, port)
    if not _allowed_host(host):
        for address in addresses:
            if not _acceptable(address):
                raise TargetRefused(
                    _(
                        "%(host)s resolves to %(address)s, which is not a public address. Webhooks are "
                        "only sent to public hosts (an operator can allow a host with "
                        "PARLEY_WEBHOOKS_ALLOWED_HOSTS)."
                    )
                    % {"host": host, "address": address}
                )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme=parts.scheme, host=host, port=port, path=path, address=str(addresses[0]))


def _parse(url: str) -> SplitResult:
    if not url or len(url) > MAX_URL or _UNSAFE_CHARACTERS.search(url):
        raise TargetRefused(
            _("Give an absolute URL of at most %(MAX_URL)s characters, without spaces.") % {"MAX_URL": MAX_URL},
            code="validation_error",
        )
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise TargetRefused(_("Give an absolute https:// URL."), code="validation_error")
    if parts.scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise TargetRefused(_("Webhook URLs must use https."))
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(_("Webhook URLs may not carry a user name or password."), code="validation_error")
    if parts.fragment:
        raise TargetRefused(_("Webhook URLs may not have a #fragment."), code="validation_error")
    return parts


def _host(parts: SplitResult) -> str:
    host = parts.hostname or ""
    try:
        return host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise TargetRefused(
            _("%(host)s is not a valid host name.") % {"host": f"{host!r}"}, code="validation_error"
        ) from None


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        raise TargetRefused(_("The URL's port is not a number between 0 and 65535."), code="validation_error") from None
    return port or (443 if parts.scheme == "https" else 80)


def _lookup(host: str, port: int) -> list[IPAddress]:
    try:
        found = _resolver(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise TargetRefused(
            _("%(host)s does not resolve (%(exc)s).") % {"host": host, "exc": exc}, code="webhook_url_unresolvable"
        ) from None
    addresses = [_unwrapped(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])) for info in found]
    if not addresses:
        raise TargetRefused(_("%(host)s does not resolve.") % {"host": host}, code="webhook_url_unresolvable")
    return addresses


def _unwrapped(address: IPAddress) -> IPAddress:
    """An IPv4 address wrapped in IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


SITE_LOCAL = ipaddress.IPv6Network("fec0::/10")  # deprecated, but still routed inside some networks
NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))
COMPATIBLE = ipaddress.IPv6Network("::/96")  # IPv4-compatible (deprecated): ::a.b.c.d
TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # IPv4-translated (SIIT): ::ffff:0:a.b.c.d


def embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries, in any of the forms that route to them:
    IPv4-mapped and -compatible, IPv4-translated, NAT64 (well-known and local-use prefixes),
    6to4 (2002::/16) and Teredo (2001::/32, its server and its client)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in COMPATIBLE or address in TRANSLATED or any(address in net for net in NAT64):
        return [low32]
    if address.sixtofour is not None:
        return [address.sixtofour]
    if address.teredo is not None:
        return list(address.teredo)
    return []


def _acceptable(address: IPAddress) -> bool:
    """An address a webhook may go to. One that embeds IPv4 is judged by what it embeds: the
    IPv4 address is where the packets end up."""
    if _allowed_address(address):
        return True
    inner = embedded_ipv4(address)
    if inner:
        return all(_is_public(v4) or _allowed_address(v4) for v4 in inner)
    if isinstance(address, ipaddress.IPv6Address) and address in SITE_LOCAL:
        return False
    return _is_public(address)


def _is_public(address: IPAddress) -> bool:
    """Globally routable unicast: not private, loopback, link-local (cloud metadata at
    169.254.169.254), shared (100.64/10), reserved, unspecified or multicast."""
    return address.is_global and not address.is_multicast


def _allowed_host(host: str) -> bool:
    return host.lower() in settings.WEBHOOKS_ALLOWED_HOSTS


def _allowed_address(address: IPAddress) -> bool:
    for entry in settings.WEBHOOKS_ALLOWED_HOSTS:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue  # a host name, matched by _allowed_host
        if address.version == network.version and address in network:
            return True
    return False
