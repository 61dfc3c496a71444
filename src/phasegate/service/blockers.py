"""Blockers as people settle them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from phasegate.errors import UnknownId

if TYPE_CHECKING:
    from phasegate.store import BlockerView, Store


def resolve_blocker(store: Store, item: str, *, who: str) -> tuple[BlockerView, bool]:
    """Mark blocker `item` (B2) resolved by `who`; (the blocker, whether it was still open).
    Resolving a resolved blocker changes nothing."""
    found = {b.id: b for b in store.blockers()}
    b = found.get(item.strip().upper())
    if b is None:
        known = ", ".join(x.id for x in found.values() if x.open) or "none open"
        raise UnknownId(f"no blocker {item!r} (open blockers: {known})")
    if not b.open:
        return b, False
    store.append("blocker.resolved", effort=b.effort, data={"id": b.id, "by": who})
    return b, True
