"""Each plan has its own state: plans sharing a folder, symlinked plans, another plan's store."""

from __future__ import annotations

import os
from pathlib import Path

from support import init_repo, run_phasegate

PLAN = """
version: 1
project: {project}
agents: {{max: 1, retries: 0, command: "echo {project} >> $RUNS"}}
efforts:
  - {{id: build, files: ["build/**"]}}
"""


def _folder(tmp_path: Path) -> Path:
    root = init_repo(tmp_path / "plans")
    for name in ("a", "b"):
        (root / f"plan-{name}.yaml").write_text(PLAN.format(project=name))
    return root


def test_two_plans_in_one_folder_each_run_their_own_efforts(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    runs = tmp_path / "runs"
    env = {"RUNS": str(runs)}
    for name in ("a", "b"):
        r = run_phasegate("run", "--no-worktrees", "-f", f"plan-{name}.yaml", cwd=root, env=env)
        assert r.code == 0, r.out + r.err
    assert runs.read_text().split() == ["a", "b"]  # b's build ran: it is not a's
    assert (root / ".phasegate" / "state.db").exists()
    assert (root / ".phasegate" / "plans" / "plan-b.yaml" / "state.db").exists()
    # Each plan's status reads its own store.
    for name in ("a", "b"):
        st = run_phasegate("status", "-f", f"plan-{name}.yaml", cwd=root)
        assert st.out.startswith(f"{name}:"), st.out


def test_the_store_of_another_plan_is_refused(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    env = {"RUNS": str(tmp_path / "runs")}
    assert run_phasegate("run", "--no-worktrees", "-f", "plan-a.yaml", cwd=root, env=env).code == 0
    theirs = str(root / ".phasegate" / "state.db")
    for args in (["run", "--no-worktrees"], ["status"], ["report", "build", "--note", "x"]):
        r = run_phasegate(*args, "-f", "plan-b.yaml", "--db", theirs, cwd=root, env=env)
        assert r.code == 2, (args, r.out + r.err)
        assert "belongs to plan plan-a.yaml (project a" in r.err and "Traceback" not in r.err
    assert (tmp_path / "runs").read_text().split() == ["a"]


def test_a_symlinked_plan_shares_the_state_of_the_real_file(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(root / "plan-a.yaml", elsewhere / "plan.yaml")
    env = {"RUNS": str(tmp_path / "runs")}
    assert run_phasegate("run", "--no-worktrees", "-f", "plan-a.yaml", cwd=root, env=env).code == 0
    r = run_phasegate("run", "--no-worktrees", "-f", "plan.yaml", cwd=elsewhere, env=env)
    assert r.code == 0, r.out + r.err
    assert (tmp_path / "runs").read_text().split() == ["a"]  # nothing ran again
    assert not (elsewhere / ".phasegate").exists()


def test_documents_and_rollback_refuse_another_plans_store(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    env = {"RUNS": str(tmp_path / "runs")}
    assert run_phasegate("run", "--no-worktrees", "-f", "plan-a.yaml", cwd=root, env=env).code == 0
    theirs = str(root / ".phasegate" / "state.db")
    for args in (["doc", "--kind", "status"], ["rollback", "build"]):
        r = run_phasegate(*args, "-f", "plan-b.yaml", "--db", theirs, cwd=root, env=env)
        assert r.code == 2 and "belongs to plan plan-a.yaml" in r.err, (args, r.out + r.err)
