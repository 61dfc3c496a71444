"""Who may talk to the web server and how a request proves it.

Three independent checks, each a pure function so every refusal is tested on its own:
the Host header against an allow-list (a DNS-rebinding page reaches us under its own
name), the Origin of state-changing requests (another site's form), and the credential
(a person's bearer token or session cookie with a CSRF token, or an agent's per-attempt
token, which the service layer resolves and scopes).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
SESSION_COOKIE = "pg_session"
CSRF_FIELD = "csrf"


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without port or IPv6 brackets, lower-cased."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


@dataclass(frozen=True)
class Guard:
    """The server's security settings, fixed when it starts."""

    bind: str
    port: int
    people_token: str
    extra_hosts: frozenset[str] = frozenset()
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def hosts(self) -> frozenset[str]:
        names = {self.bind.lower(), *self.extra_hosts}
        if is_loopback(self.bind) or self.bind in {"0.0.0.0", "::"}:
            names |= LOOPBACK_NAMES
        return frozenset(names)

    def host_ok(self, header: str | None) -> bool:
        return header is not None and host_name(header) in self.hosts

    def origin_ok(self, origin: str | None) -> bool:
        """A request without Origin comes from a program, not a page: its token decides.
        A page's request must come from one of our own names on our port."""
        if origin is None:
            return True
        parts = urlsplit(origin)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            return False
        port = parts.port or (443 if parts.scheme == "https" else 80)
        return parts.hostname.lower() in self.hosts and port == self.port

    def person_ok(self, token: str) -> bool:
        return hmac.compare_digest(token.encode(), self.people_token.encode())

    def session_value(self) -> str:
        """The cookie a person gets after signing in: a MAC, never the token itself."""
        return hmac.new(
            self.secret, b"session:" + self.people_token.encode(), hashlib.sha256
        ).hexdigest()

    def session_ok(self, cookie: str | None) -> bool:
        return cookie is not None and hmac.compare_digest(cookie, self.session_value())

    def csrf_token(self) -> str:
        return hmac.new(
            self.secret, b"csrf:" + self.session_value().encode(), hashlib.sha256
        ).hexdigest()

    def csrf_ok(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token, self.csrf_token())


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None
