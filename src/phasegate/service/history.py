"""What the planning commands learn from a store that may not exist yet: recorded effort
states (for exports) and how long finished efforts really took (for forecasts). Neither
creates a store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan


def effort_states(db: str | None, state_dir: Path) -> dict[str, str]:
    """Effort id -> recorded state; empty when there is no store."""
    from phasegate.store import db_path, is_server, open_store

    if not is_server(db) and not db_path(db, state_dir=state_dir).is_file():
        return {}
    with open_store(db, state_dir=state_dir) as store:
        return {k: v.state for k, v in store.efforts().items()}


def observed_ratios(loaded: LoadedPlan, db: str | None) -> list[float]:
    """Ratios actual/planned of finished efforts, when a state store already exists."""
    from phasegate.store import open_store, store_exists

    if not store_exists(db, state_dir=loaded.state_dir):
        return []
    from phasegate.schedule.forecast import durations, ratios

    with open_store(db, state_dir=loaded.state_dir) as store:
        events = store.events(kinds=["effort.state"])
    trans = [(e.effort or "", str(e.data.get("to", "")), e.ts) for e in events]
    sizes = {e.id: e.size for e in loaded.plan.efforts}
    return ratios(durations(trans), sizes, loaded.plan.rate or 1.0)
