"""Where a remote executor runs each effort: queued on a task queue, then on a worker, as
status (text and JSON) and the web overview say it; nothing once the attempt is over."""

from __future__ import annotations

import json
from pathlib import Path

from engine.conftest import write_project
from phasegate.store import open_store
from phasegate.tracking.placement import placements
from support import run_phasegate

PLAN = """
version: 1
project: placed
agents: {command: "true"}
efforts:
  - {id: a}
  - {id: b}
"""


def _status(repo: Path) -> dict[str, dict[str, object]]:
    r = run_phasegate("status", "--json", cwd=repo)
    assert r.code == 0, r.err
    return {e["id"]: e for e in json.loads(r.out)["efforts"]}


def test_queued_then_placed_then_gone(tmp_path: Path) -> None:
    repo = write_project(tmp_path / "repo", PLAN)
    state = repo / ".phasegate"
    with open_store(None, state_dir=state, create=True) as s:
        s.transition("a", "running", reason="dispatched")
        s.append("agent.queued", effort="a", attempt=1, data={"queue": "gpu"})
    assert _status(repo)["a"]["worker"] == "queued on gpu"
    assert _status(repo)["b"]["worker"] is None
    assert "running (queued on gpu)" in run_phasegate("status", cwd=repo).out

    with open_store(None, state_dir=state) as s:
        # The worker may record before the coordinator does; its word wins for its attempt.
        s.append("agent.placed", effort="b", attempt=1, data={"worker": "box-2", "pid": 7})
        s.append("agent.queued", effort="b", attempt=1, data={"queue": "default"})
        s.transition("b", "running", reason="dispatched")
        s.append("agent.placed", effort="a", attempt=1, data={"worker": "box-1", "pid": 9})
        assert placements(s) == {"a": (1, "on box-1"), "b": (1, "on box-2")}
    st = _status(repo)
    assert (st["a"]["worker"], st["b"]["worker"]) == ("on box-1", "on box-2")

    from fastapi.testclient import TestClient

    from phasegate.web.app import create_app
    from phasegate.web.context import WebContext
    from phasegate.web.security import Guard

    guard = Guard("127.0.0.1", 80, "t" * 32, extra_hosts=frozenset({"testserver"}))
    page = TestClient(create_app(WebContext(str(repo / "phasegate.yaml"), None, guard))).get("/")
    assert page.status_code == 200 and "on box-1" in page.text

    with open_store(None, state_dir=state) as s:
        s.transition("a", "failed", attempt=1, reason="exit 1")
        s.transition("a", "running", reason="retry")  # attempt 2, not placed yet
    assert _status(repo)["a"]["worker"] is None


def test_overview_of_a_plan_without_a_rate_shows_what_is_left_in_units(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from phasegate.web.app import create_app
    from phasegate.web.context import WebContext
    from phasegate.web.security import Guard

    repo = write_project(tmp_path / "repo", PLAN)  # no `rate`: the forecast has no dates
    with open_store(None, state_dir=repo / ".phasegate", create=True) as s:
        s.transition("a", "running", reason="dispatched")  # work begun: a forecast is made
    guard = Guard("127.0.0.1", 80, "t" * 32, extra_hosts=frozenset({"testserver"}))
    page = TestClient(create_app(WebContext(str(repo / "phasegate.yaml"), None, guard))).get("/")
    assert page.status_code == 200, page.text
    assert "rate for dates" in page.text
