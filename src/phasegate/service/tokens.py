"""Bearer tokens for agents: one minted per attempt, naming its effort and attempt.

A token is `pgt.<effort, base64url>.<attempt>.<secret>`. Only its SHA-256 is recorded (as
the key of a `token.minted` event in the effort's scope), so any process with the store can
verify a token while neither the store nor the event log holds the secret. Verifying is one
lookup in the store's key index. The effort and attempt a token names are only believed once
that lookup finds the hash, so editing them invalidates the token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from phasegate.errors import InputError
from phasegate.store.types import Store

PREFIX = "pgt"
MINTED = "token.minted"


@dataclass(frozen=True)
class Grant:
    """Who a verified token speaks for."""

    effort: str
    attempt: int


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def minted(effort: str, attempt: int) -> tuple[str, dict[str, Any]]:
    """A new token for `effort`'s `attempt` and the event that records it (as its hash), for
    a writer that stores the event itself (the run engine's group commit); the token may be
    handed out only once that event is stored."""
    name = base64.urlsafe_b64encode(effort.encode("utf-8")).decode("ascii").rstrip("=")
    token = f"{PREFIX}.{name}.{attempt}.{secrets.token_urlsafe(32)}"
    digest = _digest(token)
    event = {
        "kind": MINTED,
        "effort": effort,
        "attempt": attempt,
        # A short fingerprint lets a person match a token to its event; the key holds the
        # full hash the verification looks up.
        "data": {"attempt": attempt, "fingerprint": digest[:12]},
        "key": f"token:{digest}",
    }
    return token, event


def mint(store: Store, effort: str, attempt: int) -> str:
    """A new token for `effort`'s `attempt`, recorded (as its hash) before it is handed out."""
    token, ev = minted(effort, attempt)
    store.append(ev["kind"], effort=effort, attempt=attempt, data=ev["data"], key=ev["key"])
    return token


def parse(token: str) -> Grant:
    """The effort and attempt a token claims (not yet verified)."""
    parts = token.strip().split(".")
    if len(parts) != 4 or parts[0] != PREFIX:
        raise InputError("not a phasegate token")
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        effort = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
        attempt = int(parts[2])
    except (ValueError, binascii.Error, UnicodeError):
        raise InputError("not a phasegate token") from None
    return Grant(effort, attempt)


def verify(store: Store, token: str) -> Grant:
    """The effort and attempt of a token this store minted; InputError for any other."""
    grant = parse(token)
    digest = _digest(token.strip())
    if not store.has_key(f"token:{digest}", effort=grant.effort):
        raise InputError("unknown phasegate token (not minted by this store)")
    return grant
