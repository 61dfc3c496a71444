"""The re-forecast from actuals, read from the store for `status`, `forecast` and the
daily and weekly documents."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from phasegate.errors import UsageError
from phasegate.schedule.forecast import ratios
from phasegate.store import EffortView, Store
from phasegate.tracking.facts import PlanFacts
from phasegate.tracking.reforecast import RUNS, Progress, reforecast


def observed_ratios(
    facts: PlanFacts, store: Store, views: Mapping[str, EffortView] | None = None
) -> list[float]:
    """actual / planned working days of each finished effort: from its last start to its
    finish, as the effort views hold them (no walk of the log)."""
    if not facts.rate:
        return []
    planned = {e.id: (e.estimate[1] if e.estimate else e.size) for e in facts.efforts}
    actual = {
        k: v.finished_at - v.started_at
        for k, v in (store.efforts() if views is None else views).items()
        if v.state == "done" and v.started_at is not None and v.finished_at is not None
    }
    return ratios(actual, planned, facts.rate)


def forecast(
    facts: PlanFacts,
    store: Store,
    *,
    agents: int | None = None,
    now: float | None = None,
    runs: int = RUNS,
    seed: int = 0,
    views: Mapping[str, EffortView] | None = None,
) -> dict[str, Any]:
    """ETA P50/P80, calibration, slippage, newly critical efforts, where to add an agent."""
    m = facts.agents_max if agents is None else agents
    if m < 1:
        raise UsageError(f"--agents must be at least 1, got {m}")
    if runs < 1:
        raise UsageError(f"--runs must be at least 1, got {runs}")
    if views is None:
        views = store.efforts()
    progress = {k: Progress(v.state, v.started_at) for k, v in views.items()}
    return reforecast(
        facts, progress, observed_ratios(facts, store, views), agents=m,
        start=store.first_event_time(), now=time.time() if now is None else now,
        runs=runs, seed=seed,
    )  # fmt: skip


# Status redraws often and must stay quick on large plans: about 20,000 node visits of
# replay (100 runs of a 200-effort plan, 20 of a 1,000-effort one); `phasegate forecast`
# takes the full count.
STATUS_VISITS = 20_000


def status_forecast(
    facts: PlanFacts, store: Store, now: float, views: Mapping[str, EffortView] | None = None
) -> dict[str, Any] | None:
    """The re-forecast `status` shows, once work has started (None before)."""
    if views is None:
        views = store.efforts()
    if not any(v.state not in ("pending", "ready") for v in views.values()):
        return None
    runs = max(20, min(100, STATUS_VISITS // max(1, len(facts.efforts))))
    return forecast(facts, store, now=now, runs=runs, views=views)
