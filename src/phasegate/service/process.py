"""Process metrics read from the store (`phasegate metrics --process`, the weekly document)."""

from __future__ import annotations

from typing import Any

from phasegate.service.forecast import observed_ratios
from phasegate.store import Store
from phasegate.tracking.facts import PlanFacts
from phasegate.tracking.process import KINDS, process_metrics


def process(facts: PlanFacts, store: Store) -> dict[str, Any]:
    with store.consistent():
        events = store.events(kinds=KINDS)
        views = store.efforts()
        ratios = observed_ratios(facts, store)
    return process_metrics(facts, events, views, ratios)


def plan_metrics(facts: PlanFacts, store: Store) -> dict[str, Any]:
    """The plan's own metrics judged against their targets, as status shows them."""
    import time

    from phasegate.tracking.status import project, snapshot

    return {"metrics": project(facts, snapshot(store, time.time()))["metrics"]}
