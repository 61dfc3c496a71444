"""Who is calling: an agent is scoped to its effort and attempt.

An agent started by the engine is known from its environment (over stdio, or running
`phasegate` commands) or from the bearer token minted for its attempt (over HTTP). It may
read anything about the plan, but only its own effort is in its scope, and it may change
things only while its attempt is the effort's current one: an agent that outlived its attempt
(timed out, superseded by a retry) can still read, never write.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from phasegate.errors import InputError, StateError, UsageError
from phasegate.service import tokens
from phasegate.store.types import Store
from phasegate.tracking.session import env_attempt


@dataclass(frozen=True)
class Caller:
    effort: str
    attempt: int | None  # None: not tied to an attempt (a person, or an agent told no attempt)

    def own(self, effort: str | None) -> str:
        """The effort a call is about: the caller's own; naming another is refused."""
        if effort is not None and effort != self.effort:
            raise InputError(f"this agent works on effort {self.effort}; {effort} is not in scope")
        return self.effort

    def check_current(self, store: Store) -> None:
        """Refuse a change from an attempt that is no longer its effort's current one."""
        if self.attempt is None:
            return
        current = store.effort(self.effort).attempt
        if current != self.attempt:
            raise StateError(
                f"effort {self.effort}: attempt {self.attempt} is stale (current attempt is "
                f"{current}); it may read, not write"
            )


def from_env() -> Caller:
    """The caller the engine's environment names (PHASEGATE_EFFORT, PHASEGATE_ATTEMPT)."""
    effort = os.environ.get("PHASEGATE_EFFORT", "").strip()
    if not effort:
        raise UsageError(
            "PHASEGATE_EFFORT is not set: the MCP server over stdio serves the agent of one "
            "effort, started by 'phasegate run' (or set it by hand)"
        )
    return Caller(effort, env_attempt())


def from_token(store: Store, authorization: str | None) -> Caller:
    """The caller an `Authorization: Bearer <token>` header names, verified against the
    tokens this store minted."""
    if not authorization:
        raise InputError("missing bearer token (Authorization: Bearer $PHASEGATE_TOKEN)")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InputError("expected 'Authorization: Bearer <token>'")
    grant = tokens.verify(store, token.strip())
    return Caller(grant.effort, grant.attempt)
