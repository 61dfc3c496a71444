"""Moving a plan's history from one store to another (SQLite to PostgreSQL and back).

The events are the history; projections are derived. So the copy writes every event as it
is (seq, time, key, data) into an empty store, projects them there, then reads them back
and compares each with its original, and the projections with the source's. Nothing is
ever written to the source, and a target that already holds events is refused, so a copy
cannot lose or mix anyone's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from phasegate.errors import StateError, UsageError
from phasegate.store import Store, is_server, open_store, store_exists
from phasegate.store.types import Event


@dataclass(frozen=True)
class Copied:
    events: int
    last_seq: int
    source: str
    target: str


def _shown(db: str) -> str:
    if is_server(db):
        from phasegate.store.postgres import redact

        return redact(db)
    return db


def copy_store(source: str, target: str, *, state_dir: Path) -> Copied:
    """Copy every event of `source` into the empty store `target` and verify it."""
    if source == target:
        raise UsageError("store copy: --from and --to name the same store")
    if not store_exists(source, state_dir=state_dir):
        raise UsageError(f"store copy: no store at {_shown(source)}")
    with open_store(source, state_dir=state_dir) as src:
        with src.consistent():
            events = src.events()
            views = _projections(src)
        with open_store(target, state_dir=state_dir, create=True) as dst:
            dst.load_events(events)
            _verify(events, dst.events(), _shown(target))
            if _projections(dst) != views:
                raise StateError(
                    f"store copy: the events of {_shown(target)} match, but what they project "
                    f"differs from {_shown(source)}: run a newer phasegate on the source first"
                )
    return Copied(len(events), events[-1].seq if events else 0, _shown(source), _shown(target))


def _verify(sent: list[Event], stored: list[Event], where: str) -> None:
    if len(sent) != len(stored):
        raise StateError(
            f"store copy: {where} holds {len(stored)} event(s) after the copy, expected {len(sent)}"
        )
    for a, b in zip(sent, stored, strict=True):
        if a != b:
            raise StateError(
                f"store copy: event {a.seq} ({a.kind}) differs in {where}: "
                f"sent {a.to_json()}, stored {b.to_json()}"
            )


def _projections(s: Store) -> tuple[object, ...]:
    return (
        s.efforts(),
        s.phases(),
        s.blockers(),
        s.acks(),
        s.approvals(),
        s.metric_summary(),
        s.metric_values(),
        s.gate_firsts(),
    )
