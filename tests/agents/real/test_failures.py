"""The real CLIs when things go wrong: a rejected attempt is retried with a brief that says
why, and a timeout kills each CLI's whole process tree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from agents.model_server import ModelServer
from agents.real import plans
from agents.real.conftest import agent_env, command
from support import alive, git

TOOLS = ("claude", "codex", "aider")


def views(repo: Path):  # type: ignore[no-untyped-def]
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as s:
        return s.efforts()


def run(repo: Path, timeout: float = 540) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "phasegate", "run", "--plain"],
        cwd=repo, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def test_a_rejected_attempt_is_retried_with_the_failure_in_its_brief(
    agent_bin: Path, model: ModelServer, tmp_path: Path
) -> None:
    first = {"write": "{t}/value.txt", "content": "wrong\n"}
    model.book.scripts = [
        plans.script(["# Effort claude:", "Attempt 2."], {"run": "echo right > claude/value.txt"},
                     {"text": "fixed"}),
        plans.script(["# Effort codex:", "Attempt 2."],
                     {"write": "codex/value.txt", "content": "right\n"}, {"text": "fixed"}),
        plans.script(["# Effort aider:", "Attempt 2."],
                     {"edit": "aider/value.txt", "search": "wrong", "replace": "right"},
                     {"text": "fixed"}),
        *(plans.script(f"# Effort {t}:", {**first, "write": f"{t}/value.txt"}, {"text": "done"})
          for t in TOOLS),
    ]  # fmt: skip
    env = agent_env(tmp_path / "home", model, agent_bin)
    # The second attempt fixes what the first left, so it carries on from that work.
    plan = plans.one_each_plan(
        env, {t: command(t) for t in TOOLS}, retries=1, backoff="0s", on_retry="continue"
    )
    repo = plans.project(tmp_path, plan)
    r = run(repo)
    assert r.returncode == 0, r.stdout + r.stderr
    got = views(repo)
    for t in TOOLS:
        assert (got[t].state, got[t].attempt) == ("done", 2), t
        assert git(repo, "show", f"phasegate/integration:{t}/value.txt") == "right"
        brief = (repo / ".phasegate" / "briefs" / f"{t}.2.md").read_text()
        assert "### Attempt 1: rejected" in brief
        assert "Check 'value is right' failed; its output ended with:" in brief
    # What each CLI sent the model on its second attempt carries the failure and the output
    # of the check that failed.
    for path in ("/v1/messages", "/v1/responses", "/v1/chat/completions"):
        sent = [
            json.dumps(c["body"])
            for c in model.calls(path)
            if "Attempt 2." in json.dumps(c["body"])
        ]
        assert sent, path
        assert "Attempt 1: rejected" in sent[0], path
        assert "Check 'value is right' failed; its output ended with:" in sent[0], path
        assert "wrong" in sent[0], path


def _under(root: Path) -> dict[int, str]:
    """{pid: cmdline} of the live processes whose working directory is under root."""
    found = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            cwd = os.readlink(d / "cwd")
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd.startswith(str(root)) and alive(int(d.name)):
            found[int(d.name)] = cmd.strip()
    return found


def test_a_timeout_kills_each_clis_whole_process_tree(
    agent_bin: Path, model: ModelServer, tmp_path: Path
) -> None:
    # The timeout leaves time for each CLI to reach its model on a busy machine (the test
    # checks below that all three did). Claude Code and Codex start a long shell command (each puts it in the background after
    # a while and asks the model again); then the model never answers.
    hang = {"sleep": 600}
    model.book.scripts = [
        plans.script("# Effort claude:", {"run": "sleep 6001"}, hang),
        plans.script("# Effort codex:", {"run": "sleep 6002"}, hang),
        plans.script("# Effort aider:", hang),
    ]
    env = agent_env(tmp_path / "home", model, agent_bin)
    plan = plans.one_each_plan(env, {t: command(t) for t in TOOLS}, timeout="45s", grace="2s")
    repo = plans.project(tmp_path, plan)
    worktrees = repo / ".phasegate" / "worktrees"
    proc = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run", "--plain"],
        cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    seen: dict[str, dict[int, str]] = {t: {} for t in TOOLS}
    while proc.poll() is None:
        for t in TOOLS:
            seen[t].update(_under(worktrees / t))
        time.sleep(0.2)
    out = proc.communicate()[0]
    assert proc.returncode == 1, out
    got = views(repo)
    for t in TOOLS:
        assert got[t].state == "failed" and "timed out" in got[t].reason, (t, got[t].reason)
    # The trees were really there: each CLI, and the commands it started...
    assert any("sleep 6001" in c for c in seen["claude"].values()), seen["claude"]
    assert any("sleep 6002" in c for c in seen["codex"].values()), seen["codex"]
    assert any("aider" in c for c in seen["aider"].values()), seen["aider"]
    assert len(seen["claude"]) >= 2 and len(seen["codex"]) >= 2
    # ...and none of it is left.
    left = {t: {p: c for p, c in pids.items() if alive(p)} for t, pids in seen.items()}
    assert left == {t: {} for t in TOOLS}
    assert _under(worktrees) == {}
    # Aider's tree is itself: it was killed while waiting on its model. (Claude Code and Codex
    # may still be in their shell command when the timeout comes; their sleeps were seen.)
    hung = {r["path"] for r in model.requests if r["step"].get("sleep")}
    assert "/v1/chat/completions" in hung
