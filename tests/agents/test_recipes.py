"""The README's agent recipes, run for real against stand-ins named like the real tools."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from agents.recipes import recipes
from support import git, init_repo, run_phasegate

FAKE = """#!{python}
import json, os, pathlib, sys
name = pathlib.Path(sys.argv[0]).name
record = {{"argv": sys.argv[1:], "cwd": os.getcwd(),
          "env": {{k: v for k, v in os.environ.items() if k.startswith("PHASEGATE_")}}}}
if "--message-file" in sys.argv:
    record["message"] = pathlib.Path(sys.argv[sys.argv.index("--message-file") + 1]).read_text()
pathlib.Path(os.environ["FAKE_RECORD"]).write_text(json.dumps(record))
effort = os.environ["PHASEGATE_EFFORT"]
pathlib.Path("done").mkdir(exist_ok=True)
pathlib.Path("done", effort + ".txt").write_text("by " + name + "\\n")
"""


def plan_for(command: object) -> str:
    return yaml.safe_dump(
        {
            "version": 1,
            "project": "recipe",
            "agents": {"command": command, "timeout": "60s"},
            "efforts": [
                {
                    "id": "api",
                    "title": "Public API",
                    "deliverables": ["the API"],
                    "files": ["done/**"],
                    "checks": [{"name": "marker", "run": "test -f done/api.txt"}],
                }
            ],
        }
    )


def repo_with(tmp_path: Path, command: object) -> Path:
    repo = init_repo(tmp_path / "repo")
    (repo / "phasegate.yaml").write_text(plan_for(command))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    return repo


def test_readme_has_the_four_recipes() -> None:
    assert set(recipes()) >= {"Claude Code", "Codex CLI", "Aider", "A person"}


@pytest.mark.parametrize(
    ("heading", "tool"), [("Claude Code", "claude"), ("Codex CLI", "codex"), ("Aider", "aider")]
)
def test_recipe_invokes_the_tool_with_the_brief(heading: str, tool: str, tmp_path: Path) -> None:
    command = recipes()[heading]
    repo = repo_with(tmp_path, command)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / tool
    fake.write_text(FAKE.format(python=sys.executable))
    fake.chmod(0o755)
    record = tmp_path / "record.json"
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", "FAKE_RECORD": str(record)}
    r = run_phasegate("run", cwd=repo, env=env)
    assert r.code == 0, r.out + r.err
    got = json.loads(record.read_text())
    brief = Path(got["env"]["PHASEGATE_BRIEF"]).read_text()
    assert brief.startswith("# Effort api: Public API")
    if tool == "aider":
        assert got["argv"][:2] == ["--yes-always", "--message-file"]
        assert got["message"] == brief
    else:
        assert brief.strip() in got["argv"], got["argv"]
        assert got["argv"][0] == ("-p" if tool == "claude" else "exec")
    assert Path(got["cwd"]) == repo / ".phasegate" / "worktrees" / "api"
    assert got["env"]["PHASEGATE_EFFORT"] == "api"
    assert got["env"]["PHASEGATE_ATTEMPT"] == "1"
    assert got["env"]["PHASEGATE_PLAN"] == str(repo / "phasegate.yaml")
    # The tool left its file uncommitted; phasegate committed and merged it.
    assert git(repo, "show", "phasegate/integration:done/api.txt") == f"by {tool}"


def person_run(repo: Path) -> subprocess.Popen[str]:
    """`phasegate run` with the person recipe, once the person has been told what to do."""
    env = {**os.environ, "PHASEGATE_PERSON_POLL": "0.1"}
    run = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--plain"],
        cwd=repo, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    log = repo / ".phasegate" / "logs" / "api.1.log"
    deadline = time.monotonic() + 30
    while not (log.exists() and "phasegate done api -f" in log.read_text()):
        if run.poll() is not None:
            raise AssertionError(run.communicate())
        if time.monotonic() >= deadline:
            run.kill()
            raise AssertionError("the person command never started")
        time.sleep(0.1)
    return run


def test_person_recipe_waits_for_phasegate_done(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, recipes()["A person"])
    run = person_run(repo)
    try:
        log = (repo / ".phasegate" / "logs" / "api.1.log").read_text()
        assert "# Effort api: Public API" in log  # the brief is shown
        assert "--skip-checks" not in log  # `done` checks the worktree itself
        time.sleep(1.0)
        assert run.poll() is None, "the run did not wait for the person"
        worktree = repo / ".phasegate" / "worktrees" / "api"
        (worktree / "done").mkdir()
        (worktree / "done" / "api.txt").write_text("by hand\n")
        git(worktree, "add", "-A")
        git(worktree, "commit", "-q", "-m", "api by hand")
        done = run_phasegate("done", "api", cwd=repo)
        assert done.code == 0, done.out + done.err
        assert f"checks run in {worktree.resolve()}" in done.out
        assert "check marker: passed" in done.out
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, out + err
    assert git(repo, "show", "phasegate/integration:done/api.txt") == "by hand"


def test_person_recipe_done_rejects_work_missing_from_the_worktree(tmp_path: Path) -> None:
    repo = repo_with(tmp_path, recipes()["A person"])
    run = person_run(repo)
    try:
        # The work sits beside the plan, where the effort's checks must not look for it.
        (repo / "done").mkdir()
        (repo / "done" / "api.txt").write_text("in the wrong checkout\n")
        done = run_phasegate("done", "api", cwd=repo)
        assert done.code == 1, done.out + done.err
        assert "check marker: FAILED" in done.out
        out, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode != 0, out + err
    assert "cannot go from" not in out and "rejected while its agent ran" in out, out
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        assert store.effort("api").state == "rejected"
    assert "done/api.txt" not in git(repo, "log", "--all", "--name-only", "--format=")
