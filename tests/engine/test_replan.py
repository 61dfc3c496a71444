"""Replanning mid-run: efforts added, removed and re-wired while the state exists, each
reconciled as `phasegate replan` says, and a kill -9 in the middle applying nothing."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from support import run_phasegate

V1 = """
version: 1
project: replan
agents: {command: "true", retries: 0}
efforts:
  - {id: a, deliverables: [A]}
  - {id: f, deliverables: [F]}
  - {id: b, depends_on: [a], deliverables: [B]}
  - {id: c, depends_on: [a], deliverables: [C]}
  - {id: d, deliverables: [D], command: "exit 1"}
"""

# e is new, d (failed) and f (done) are gone, b now also waits for c; titles and agent
# commands are no revision.
V2 = """
version: 1
project: replan
agents: {command: "true", retries: 0}
efforts:
  - {id: a, title: renamed freely, deliverables: [A]}
  - {id: b, depends_on: [a, c], deliverables: [B]}
  - {id: c, depends_on: [a], deliverables: [C], command: "true"}
  - {id: e, depends_on: [a], deliverables: [E]}
"""


def _pg(root: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return run_phasegate(*args, cwd=root, env=env)


def _states(root: Path) -> dict[str, str]:
    doc = json.loads(_pg(root, "status", "--json", "--no-notify").out)
    return {e["id"]: e["state"] for e in doc["efforts"]}


def test_add_remove_and_rewire_mid_run(tmp_path: Path) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text(textwrap.dedent(V1))
    r = _pg(tmp_path, "run", "--no-worktrees", "--plain", "--only", "a", "--only", "f",
            "--only", "d")  # fmt: skip
    assert r.code == 1, r.out + r.err  # d fails
    assert _pg(tmp_path, "start", "b").code == 0  # a person takes b
    assert _states(tmp_path) == {"a": "done", "f": "done", "b": "running", "c": "pending",
                                 "d": "failed"}  # fmt: skip
    # The same plan again is no revision; an edited one is refused until it is applied.
    assert _pg(tmp_path, "replan").out.startswith("the plan is the one the store last ran")
    plan.write_text(textwrap.dedent(V2))
    r = _pg(tmp_path, "run", "--no-worktrees", "--plain")
    assert r.code == 2
    assert (
        "the plan changed since the store last ran it (added: e; removed: f, d; re-wired: b)"
        in r.err
    )
    assert "phasegate replan" in r.err

    r = _pg(tmp_path, "replan", "--dry-run", "--json")
    doc = json.loads(r.out)
    assert doc["applied"] is False and doc["revision"] == 2

    # kill -9 just before the revision is recorded: nothing of it is.
    r = _pg(tmp_path, "replan", env={"PHASEGATE_CRASH_AT": "replan"})
    assert r.code == -9
    assert _pg(tmp_path, "run", "--no-worktrees", "--plain").code == 2
    log = json.loads(_pg(tmp_path, "log", "--json").out)["events"]
    assert not [e for e in log if e["kind"] == "plan.revised" and e["data"]["revision"] == 2]

    r = _pg(tmp_path, "replan", "--json")
    doc = json.loads(r.out)
    assert doc["applied"] is True and doc["revision"] == 2
    rec = doc["reconciliation"]
    assert rec["scheduled"] == ["e"]
    assert rec["cancelled"] == ["d"]
    assert rec["kept_merged"] == ["f"]
    assert list(rec["flagged"]) == ["b"] and "+c" in rec["flagged"]["b"]
    assert doc["diff"]["rewired"] == {"b": {"added": ["c"], "removed": []}}
    assert doc["diff"]["changed"] == {}  # a title and a command are no revision
    assert _pg(tmp_path, "replan").out.startswith("the plan is the one the store last ran")

    status = json.loads(_pg(tmp_path, "status", "--json", "--no-notify").out)
    assert status["revision"]["revision"] == 2
    assert list(status["revision"]["flagged"]) == ["b"]
    text = _pg(tmp_path, "status", "--no-notify").out
    assert "plan revision 2: added: e; removed: f, d; re-wired: b" in text
    assert "FLAGGED b: running while its dependencies changed (+c)" in text

    # The person finishes b; the run takes the new effort and the rest.
    r = _pg(tmp_path, "done", "b")
    assert r.code == 0, r.err
    r = _pg(tmp_path, "run", "--no-worktrees", "--plain")
    assert r.code == 0, r.out + r.err
    assert _states(tmp_path) == {"a": "done", "b": "done", "c": "done", "e": "done"}
    log = json.loads(_pg(tmp_path, "log", "--json").out)["events"]
    d_states = [e["data"]["to"] for e in log if e["kind"] == "effort.state" and e["effort"] == "d"]
    assert d_states[-1] == "cancelled"
