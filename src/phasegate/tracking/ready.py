"""Which efforts can start now, in dispatch order."""

from __future__ import annotations

from dataclasses import dataclass

from phasegate.states import PHASE_CLOSED
from phasegate.store.types import EffortView, PhaseView
from phasegate.tracking.facts import EffortFacts, PlanFacts

PRIORITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3}
# States from which an effort may (re)start without someone clearing it first.
STARTABLE = frozenset({"pending", "ready", "rework"})


@dataclass(frozen=True)
class Waiting:
    effort: str
    on: list[str]  # unfinished dependencies, closed-phase requirements, pending externals


def _state(efforts: dict[str, EffortView], eid: str) -> str:
    v = efforts.get(eid)
    return v.state if v else "pending"


def blockers_of(
    f: EffortFacts,
    facts: PlanFacts,
    efforts: dict[str, EffortView],
    phases: dict[str, PhaseView],
) -> list[str]:
    """What still stands between effort `f` and its start (empty: it may start)."""
    on: list[str] = []
    for d in f.depends_on:
        v = efforts.get(d)  # not _state(): this runs for every dependency of a big plan
        if v is None:
            on.append(f"{d} (pending)")
        elif v.state != "done":
            on.append(f"{d} ({v.state})")
    for x in f.external:
        if facts.externals.get(x, "done") != "done":
            on.append(f"{x} (external, pending)")
    if f.phase is not None:
        phase = facts.phase(f.phase)
        for a in phase.after if phase else []:
            pv = phases.get(a)
            st = pv.state if pv else "waiting"
            if st not in PHASE_CLOSED:
                on.append(f"phase {a} gate ({st})")
    return on


def stale_block(v: EffortView | None) -> bool:
    """Blocked by what the run engine last saw (a dependency, a phase), not by an open
    blocker someone raised: the current facts decide whether it still is."""
    return v is not None and v.state == "blocked" and v.blockers_open == 0


def _may_start(efforts: dict[str, EffortView], eid: str) -> bool:
    return _state(efforts, eid) in STARTABLE or stale_block(efforts.get(eid))


def derived_state(
    f: EffortFacts, facts: PlanFacts, efforts: dict[str, EffortView], phases: dict[str, PhaseView]
) -> tuple[str, str]:
    """(state, reason) as the facts have it now, whatever last wrote the stored state: an
    effort the engine blocked on a dependency that has been done since is ready."""
    v = efforts.get(f.id)
    state, reason = (v.state, v.reason) if v else ("pending", "")
    if stale_block(v) and not blockers_of(f, facts, efforts, phases):
        return "ready", "no longer blocked: what it waited for is done"
    return state, reason


def standing(
    facts: PlanFacts, efforts: dict[str, EffortView], phases: dict[str, PhaseView]
) -> tuple[list[EffortFacts], list[Waiting]]:
    """The efforts that may start now, in dispatch order (by priority, then by remaining
    critical path, longest first, then plan order), and those startable but still waiting,
    on what; one pass over the plan for both."""
    found: list[tuple[int, float, int, EffortFacts]] = []
    waits: list[Waiting] = []
    for k, f in enumerate(facts.efforts):
        if not _may_start(efforts, f.id):
            continue
        on = blockers_of(f, facts, efforts, phases)
        if on:
            waits.append(Waiting(f.id, on))
        else:
            found.append((PRIORITY_RANK.get(f.priority, 2), -f.remaining, k, f))
    found.sort(key=lambda t: t[:3])
    return [t[3] for t in found], waits


def ready(
    facts: PlanFacts, efforts: dict[str, EffortView], phases: dict[str, PhaseView]
) -> list[EffortFacts]:
    """Startable efforts whose dependencies and phase entry are satisfied, in dispatch order."""
    return standing(facts, efforts, phases)[0]
