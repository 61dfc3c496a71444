"""`phasegate done` judges the work where it lives: the effort's worktree when a run left one."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from support import git, init_repo, run_phasegate

# The agent leaves its file in the worktree and fails, so the run ends with the work there
# (committed by phasegate as leftovers) and nowhere else, as a person would pick it up.
PLAN = """
version: 1
project: by-hand
agents: {command: "touch made-by-agent; exit 1"}
efforts:
  - {id: api, files: ["made-by-agent"], checks: [{name: made, run: "test -f made-by-agent"}]}
"""


def failed_run(tmp_path: Path) -> tuple[Path, Path]:
    """(repository, plan file) after a run left the effort's work in its worktree only.

    The plan sits in a subdirectory so the worktree's copy of the plan's directory, not the
    worktree's root, is where the work has to be found."""
    repo = init_repo(tmp_path / "repo")
    plan = repo / "plans" / "phasegate.yaml"
    plan.parent.mkdir()
    plan.write_text(textwrap.dedent(PLAN))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    r = run_phasegate("run", "--plain", "-f", str(plan), cwd=repo)
    assert r.code != 0, r.out + r.err
    assert (plan.parent / ".phasegate" / "worktrees" / "api" / "plans" / "made-by-agent").exists()
    assert not (plan.parent / "made-by-agent").exists()
    return repo, plan


def check_events(plan: Path) -> list[dict[str, Any]]:
    from phasegate.store import open_store

    with open_store(None, state_dir=plan.parent / ".phasegate") as store:
        return [dict(ev.data) for ev in store.events(effort="api", kinds=["check.result"])]


def test_done_runs_the_checks_in_the_effort_worktree(tmp_path: Path) -> None:
    repo, plan = failed_run(tmp_path)
    before = len(check_events(plan))
    assert run_phasegate("start", "api", "-f", str(plan), cwd=repo).code == 0
    r = run_phasegate("done", "api", "-f", str(plan), cwd=repo)
    assert r.code == 0, r.out + r.err
    where = plan.parent.resolve() / ".phasegate" / "worktrees" / "api" / "plans"
    assert f"checks run in {where}" in r.out
    assert "check made: passed" in r.out
    assert r.out.strip().endswith("api: done")
    (new,) = check_events(plan)[before:]
    assert new["passed"] is True and new["name"] == "made" and new["cwd"] == str(where)


def test_done_without_a_worktree_runs_the_checks_in_the_plan_directory(tmp_path: Path) -> None:
    repo, plan = failed_run(tmp_path)
    git(repo, "worktree", "remove", "--force", str(plan.parent / ".phasegate/worktrees/api"))
    assert run_phasegate("start", "api", "-f", str(plan), cwd=repo).code == 0
    r = run_phasegate("done", "api", "-f", str(plan), cwd=repo)
    # The same check fails here: the work was only ever in the worktree.
    assert r.code == 1, r.out + r.err
    assert f"checks run in {plan.parent.resolve()}\n" in r.out
    assert "check made: FAILED" in r.out
    assert check_events(plan)[-1]["passed"] is False


def test_skip_checks_still_vouches_for_the_work(tmp_path: Path) -> None:
    repo, plan = failed_run(tmp_path)
    git(repo, "worktree", "remove", "--force", str(plan.parent / ".phasegate/worktrees/api"))
    assert run_phasegate("start", "api", "-f", str(plan), cwd=repo).code == 0
    r = run_phasegate("done", "api", "--skip-checks", "-f", str(plan), cwd=repo)
    assert r.code == 0, r.out + r.err
    assert r.out.strip() == "api: done (checks skipped)"


def test_done_judges_metric_thresholds_as_the_engine_does(tmp_path: Path) -> None:
    # Exit status 0 is not enough: a check's metric must meet its threshold, and the check
    # sees the same environment as the engine's checks.
    repo = init_repo(tmp_path / "repo")
    (repo / "phasegate.yaml").write_text(
        textwrap.dedent("""
        version: 1
        project: metric
        agents: {command: "true"}
        metrics:
          - {id: coverage, unit: "%"}
        efforts:
          - id: api
            deliverables: [api]
            checks:
              - {name: cov, run: "echo coverage=$COV; echo $PHASEGATE_EFFORT > seen",
                 metric: coverage, expect: ">= 80"}
        """)
    )
    assert run_phasegate("start", "api", cwd=repo).code == 0
    r = run_phasegate("done", "api", cwd=repo, env={"COV": "60"})
    assert r.code == 1, r.out + r.err
    assert "check cov: FAILED" in r.out and "rejected" in r.out
    assert (repo / "seen").read_text().strip() == "api"
    (ev,) = [e for e in check_events(repo / "phasegate.yaml") if e["name"] == "cov"]
    assert ev["value"] == 60 and ev["metric"] == "coverage" and ev["passed"] is False
    assert run_phasegate("start", "api", cwd=repo).code == 0
    r = run_phasegate("done", "api", cwd=repo, env={"COV": "91"})
    assert r.code == 0, r.out + r.err
