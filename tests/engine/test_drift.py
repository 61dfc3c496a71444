"""Scope drift is recorded when an effort is merged, so it outlives the effort's branch."""

from __future__ import annotations

import json

from support import run_phasegate

SCRIPTED = "python -m phasegate.agents.scripted"

PLAN = f"""
version: 1
project: drift
agents: {{max: 2, command: "{SCRIPTED}"}}
efforts:
  - {{id: api, files: ["api/**"], command: "{SCRIPTED} --stray"}}
  - {{id: ui, files: ["ui/**"], depends_on: [api]}}
"""


def test_drift_is_recorded_at_merge_and_reported_after_it(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(PLAN)
    r = run_phasegate("run", "--plain", cwd=repo, env={"PHASEGATE_SCRIPTED_NO_REPORT": "1"})
    assert r.code == 0, r.out + r.err  # drift is reported, not a failure
    assert "effort api [wave 1" in r.out and "outside its scope: stray/api.txt" in r.out
    # ui is stacked on api: the stray file it inherited is not ui's drift.
    assert "effort ui" in r.out and r.out.count("outside its scope") == 1

    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        (ev,) = store.events(kinds=["conflict.drift"])
    assert ev.effort == "api" and ev.data["files"] == ["stray/api.txt"]

    # Both branches are merged, so no branch is live; the recorded drift still shows.
    c = run_phasegate("conflicts", "--json", cwd=repo)
    assert c.code == 0, c.out + c.err
    scope = json.loads(c.out)["scope"]
    assert [(s["effort"], s["files"]) for s in scope] == [("api", ["stray/api.txt"])]


def test_scope_reject_leaves_the_effort_rejected_naming_the_files(project) -> None:  # type: ignore[no-untyped-def]
    plan = f"""
version: 1
project: strict
scope: reject
agents: {{max: 2, command: "{SCRIPTED}", retries: 0}}
efforts:
  - {{id: api, files: ["api/**"], command: "{SCRIPTED} --stray"}}
  - {{id: lax, files: ["lax/**"], command: "{SCRIPTED} --stray", scope: warn}}
"""
    repo = project(plan)
    r = run_phasegate("run", "--plain", cwd=repo, env={"PHASEGATE_SCRIPTED_NO_REPORT": "1"})
    assert r.code == 1
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        api, lax = store.effort("api"), store.effort("lax")
    assert api.state == "rejected" and "stray/api.txt" in api.reason and not api.merged
    assert lax.state == "done" and lax.merged
    from support import git

    tree = git(repo, "ls-tree", "-r", "--name-only", "phasegate/integration")
    assert "stray/api.txt" not in tree and "stray/lax.txt" in tree
