"""What the last verification of the integration branch found, as the events record it.

The verification itself (git against the recorded merges) lives in engine.integrity; the
readers (`status`) only need the verdict, without git.
"""

from __future__ import annotations

from phasegate.store.types import Store

BROKEN = "integration.broken"
VERIFIED = "integration.verified"


def broken(store: Store) -> str | None:
    """What the last verification found wrong, unless a later one found it whole again."""
    last = store.events(kinds=[BROKEN, VERIFIED])
    if last and last[-1].kind == BROKEN:
        return str(last[-1].data.get("message") or "the integration branch is not as recorded")
    return None
