"""Ready efforts get agents in the start order of the plan's best schedule."""

from __future__ import annotations

import heapq

from phasegate.engine.order import dispatch_priority
from phasegate.plangraph import Node, PlanGraph

# Two agents: by remaining path alone b and d go before e, and e ends last at 7; the best
# schedule starts e at once and ends at 6 (all the work, 12, on two agents).
SIZES = {"a": 2.0, "b": 1.0, "c": 3.0, "d": 3.0, "e": 3.0}
DEPS = {"c": ("a",), "d": ("b",)}


def graph() -> PlanGraph:
    return PlanGraph([Node(x, None, DEPS.get(x, ()), s) for x, s in SIZES.items()], [])


def dispatched(key: dict[str, tuple[float, ...]], agents: int) -> float:
    """Makespan of the run loop's policy: whenever an agent is free, the ready effort with
    the smallest key starts; durations are the sizes."""
    left = {x: len(DEPS.get(x, ())) for x in SIZES}
    ready = {x for x, k in left.items() if k == 0}
    running: list[tuple[float, str]] = []
    now = end = 0.0
    while ready or running:
        for x in sorted(ready, key=key.__getitem__)[: agents - len(running)]:
            ready.discard(x)
            heapq.heappush(running, (now + SIZES[x], x))
        now, x = heapq.heappop(running)
        end = max(end, now)
        for y, ds in DEPS.items():
            if x in ds:
                left[y] -= 1
                if left[y] == 0:
                    ready.add(y)
    return end


def test_schedule_order_beats_remaining_path_where_they_differ() -> None:
    g = graph()
    tail = g.remaining_path()
    by_path = {n.id: (-tail[i], float(i)) for i, n in enumerate(g.nodes)}
    assert dispatched(by_path, 2) == 7.0  # the order the loop used before
    assert dispatched(dispatch_priority(g, 2), 2) == 6.0


def test_every_effort_has_a_key_and_the_order_respects_dependencies() -> None:
    g = graph()
    keys = dispatch_priority(g, 1)
    assert set(keys) == set(SIZES)
    # One agent: the schedule runs them back to back in an order that respects every
    # dependency.
    order = sorted(SIZES, key=keys.__getitem__)
    for x, ds in DEPS.items():
        assert all(order.index(d) < order.index(x) for d in ds)
