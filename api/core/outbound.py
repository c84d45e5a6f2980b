"""Outgoing calls a user can aim (webhooks, and any later one): never into the internal network.

Server-side request forgery (OWASP API7): a broker who may register a webhook URL must not be
able to make the service call 127.0.0.1, 10.0.0.0/8, 169.254.169.254 (a cloud's metadata
service) or anything else that is not on the public internet. The rule is one line: every
address the target resolves to must be **global** (``ipaddress``'s ``is_global``: not
loopback, private, link-local, shared 100.64.0.0/10, multicast, reserved or unspecified), and
an IPv4-mapped IPv6 address (``::ffff:10.0.0.1``) is judged as the IPv4 address it carries.

- **When the URL is given** (``check_target``): a literal address, or a name that resolves to
  any non-public address, is refused (400). A name that does not resolve (yet) is accepted:
  it is checked again at delivery.
- **At every delivery** (``resolve_public`` and ``PinnedHTTPConnection``): the name is
  resolved again, every address checked, and the connection is made to the checked address
  itself, so DNS that changes between the check and the connection (DNS rebinding) cannot
  swap it. TLS still verifies the certificate against the name. Redirects are never
  followed: a redirect is an answer, not a new target.

``WEGWIJS_WEBHOOK_ALLOW_PRIVATE_TARGETS=true`` lifts the rule for development and this
project's own tests (receivers on 127.0.0.1); it is off by default and logged at start-up.
"""

import http.client
import ipaddress
import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from api.core.exceptions import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]


class RefusedTarget(ValueError):
    """The target is, or resolves to, an address outside the public internet."""


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (TCP), as ``socket.getaddrinfo`` gives them."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# Tests replace this to give names the addresses they need.
resolver: Resolver = system_resolver


def _port(url: str) -> tuple[str, int, str]:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname or ""
    return host, parts.port or (443 if scheme == "https" else 80), scheme


def resolve_public(host: str, port: int, *, allow_private: bool = False) -> list[Address]:
    """The addresses to connect to for ``host``: all of them public, or ``RefusedTarget``.
    ``socket.gaierror`` when the name does not resolve."""
    literal = _literal(host)
    names = [literal] if literal is not None else None
    if names is None:
        names = [ipaddress.ip_address(a.split("%", 1)[0]) for a in resolver(host, port)]
    if not allow_private:
        refused = [address for address in names if not is_public(address)]
        if refused:
            raise RefusedTarget(
                f"{host} is or resolves to {refused[0]}, which is not a public internet address."
            )
    return names


def check_target(url: str, *, allow_private: bool, field: str) -> None:
    """400 when the URL's host is, or resolves to, a non-public address; a name that does not
    resolve yet is accepted (checked again at delivery)."""
    host, port, _ = _port(url)
    try:
        resolve_public(host, port, allow_private=allow_private)
    except RefusedTarget as exc:
        raise InvalidInput.field(
            field, f"Must be a public internet address: {exc} Internal networks are refused."
        ) from None
    except (OSError, UnicodeError, ValueError):
        return  # not resolvable now: checked again at every delivery


class _Pinned:
    """Connect to an address checked beforehand, whatever the name resolves to now."""

    def _pin(self, address: Address) -> None:
        def create_connection(destination, timeout=None, source_address=None):  # type: ignore[no-untyped-def]
            _host, port = destination
            return socket.create_connection((str(address), port), timeout, source_address)

        self._create_connection = create_connection  # type: ignore[attr-defined]


class PinnedHTTPConnection(_Pinned, http.client.HTTPConnection):
    def __init__(self, host: str, port: int, address: Address, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._pin(address)


class PinnedHTTPSConnection(_Pinned, http.client.HTTPSConnection):
    """TLS to the checked address; the certificate is still verified for ``host`` (SNI)."""

    def __init__(self, host: str, port: int, address: Address, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._pin(address)


def open_connection(
    url: str, *, timeout: float, allow_private: bool
) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the URL's host, pinned to its first checked address, and the request
    target (path and query). Raises ``RefusedTarget`` or ``OSError``."""
    host, port, scheme = _port(url)
    addresses = resolve_public(host, port, allow_private=allow_private)
    connection_class = PinnedHTTPSConnection if scheme == "https" else PinnedHTTPConnection
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return connection_class(host, port, addresses[0], timeout), target
