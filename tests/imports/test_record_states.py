"""`phasegate import --record`: imported statuses reach the store through the transition rules."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import pytest

from imports.helpers import DATA
from phasegate.imports.record import route
from phasegate.states import EFFORT_STATES, can_effort
from phasegate.store import open_store
from support import CliResult


@pytest.mark.parametrize("start", EFFORT_STATES)
@pytest.mark.parametrize("target", EFFORT_STATES)
def test_route_is_a_legal_chain(start: str, target: str) -> None:
    steps = route(start, target)
    dist = _distances(start)
    if steps is None:
        # No route only where the rules really allow none.
        assert target not in dist
        return
    chain = [start, *steps]
    assert chain[-1] == target
    assert all(can_effort(a, b) for a, b in itertools.pairwise(chain))
    assert len(steps) == dist[target]  # and the shortest one


def _distances(start: str) -> dict[str, int]:
    """Fewest transitions from `start` to each state, by relaxing every rule until stable."""
    dist = {start: 0}
    changed = True
    while changed:
        changed = False
        for a, b in itertools.product(EFFORT_STATES, repeat=2):
            if a in dist and can_effort(a, b) and dist.get(b, 10**9) > dist[a] + 1:
                dist[b] = dist[a] + 1
                changed = True
    return dist


def test_some_states_cannot_be_reached_again() -> None:
    # Cancelled is the end: nothing leads out of it.
    assert route("cancelled", "running") is None
    assert route("cancelled", "pending") is None
    assert len(route("done", "cancelled") or []) == 2


def test_route_from_pending() -> None:
    assert route("pending", "done") == ["running", "done"]
    assert route("pending", "checking") == ["running", "checking"]
    assert route("done", "done") == []


def test_record_writes_states_once(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    plan = tmp_path / "phasegate.yaml"
    source = str(DATA / "tm" / ".taskmaster" / "tasks" / "tasks.json")
    r = cli("import", source, "-o", str(plan), "--record")
    assert r.code == 0, r.err
    assert "recorded the status of 2 effort(s)" in r.err
    with open_store(None, state_dir=tmp_path / ".phasegate") as store:
        states = {k: v.state for k, v in store.efforts().items()}
    assert states == {"2": "running", "5": "cancelled"}
    again = cli("import", source, "-o", str(plan), "--record", "--force")
    assert again.code == 0, again.err
    assert "recorded the status of 0 effort(s)" in again.err


def test_record_needs_a_place_for_the_store(cli: Callable[..., CliResult]) -> None:
    r = cli("import", str(DATA / "flow.mmd"), "--record")
    assert r.code == 2 and "--record needs" in r.err


def test_export_carries_store_states_back(tmp_path: Path, cli: Callable[..., CliResult]) -> None:
    import json

    plan = tmp_path / "phasegate.yaml"
    source = str(DATA / "tm" / ".taskmaster" / "tasks" / "tasks.json")
    assert cli("import", source, "-o", str(plan), "--record").code == 0
    out = tmp_path / "back.json"
    r = cli("export", "--to", "taskmaster", "-f", str(plan), "-o", str(out))
    assert r.code == 0, r.err
    tasks = {t["phasegate"]["id"]: t for t in json.loads(out.read_text())["master"]["tasks"]}
    assert tasks["2"]["status"] == "in-progress"
    assert tasks["5"]["status"] == "cancelled"
    assert tasks["3"]["status"] == "pending"
    assert tasks["1"]["status"] == "done"  # an external prerequisite, done
