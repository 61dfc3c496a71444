"""The re-forecast from actuals, read from the store for `status`, `forecast` and the
daily and weekly documents."""

from __future__ import annotations

import time
from typing import Any

from phasegate.errors import UsageError
from phasegate.schedule.forecast import durations, ratios
from phasegate.store import Store
from phasegate.tracking.facts import PlanFacts
from phasegate.tracking.reforecast import RUNS, Progress, reforecast


def observed_ratios(facts: PlanFacts, store: Store) -> list[float]:
    """actual / planned working days of each finished effort (its last attempt)."""
    if not facts.rate:
        return []
    events = store.events(kinds=["effort.state"])
    trans = [(e.effort or "", str(e.data.get("to", "")), e.ts) for e in events]
    planned = {e.id: (e.estimate[1] if e.estimate else e.size) for e in facts.efforts}
    return ratios(durations(trans), planned, facts.rate)


def forecast(
    facts: PlanFacts,
    store: Store,
    *,
    agents: int | None = None,
    now: float | None = None,
    runs: int = RUNS,
    seed: int = 0,
) -> dict[str, Any]:
    """ETA P50/P80, calibration, slippage, newly critical efforts, where to add an agent."""
    m = facts.agents_max if agents is None else agents
    if m < 1:
        raise UsageError(f"--agents must be at least 1, got {m}")
    if runs < 1:
        raise UsageError(f"--runs must be at least 1, got {runs}")
    views = store.efforts()
    progress = {k: Progress(v.state, v.started_at) for k, v in views.items()}
    return reforecast(
        facts, progress, observed_ratios(facts, store), agents=m,
        start=store.first_event_time(), now=time.time() if now is None else now,
        runs=runs, seed=seed,
    )  # fmt: skip


# Status redraws often: fewer runs there; `phasegate forecast` takes the full count.
STATUS_RUNS = 200


def status_forecast(facts: PlanFacts, store: Store, now: float) -> dict[str, Any] | None:
    """The re-forecast `status` shows, once work has started (None before)."""
    views = store.efforts()
    if not any(v.state not in ("pending", "ready") for v in views.values()):
        return None
    return forecast(facts, store, now=now, runs=STATUS_RUNS)
