"""What the engine gives an agent for talking back: a token for its attempt (only the hash is
stored), and the answers to its questions in the brief of its next attempt."""

from __future__ import annotations

from pathlib import Path

from phasegate.service import tokens
from phasegate.store import open_store
from support import run_phasegate

TOKEN_AGENT = 'printf %s "$PHASEGATE_TOKEN" > "$OUT/$PHASEGATE_EFFORT.token"'
TOKEN_PLAN = f"""
version: 1
project: tokens
agents: {{max: 2, command: '{TOKEN_AGENT}'}}
efforts:
  - {{id: a}}
  - {{id: b}}
"""


def test_each_attempt_gets_its_own_token(project, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    repo = project(TOKEN_PLAN)
    r = run_phasegate("run", "--no-worktrees", cwd=repo, env={"OUT": str(tmp_path)})
    assert r.code == 0, r.err
    got = {e: (tmp_path / f"{e}.token").read_text() for e in ("a", "b")}
    assert got["a"] != got["b"]
    with open_store(None, state_dir=repo / ".phasegate") as store:
        assert tokens.verify(store, got["a"]) == tokens.Grant("a", 1)
        assert tokens.verify(store, got["b"]) == tokens.Grant("b", 1)
    secret = got["a"].rsplit(".", 1)[1]
    stored = b"".join(p.read_bytes() for p in (repo / ".phasegate").glob("state.db*"))
    assert secret.encode() not in stored


ASK_AGENT = (
    'grep -q "A: port 8080" "$PHASEGATE_BRIEF" || '
    '{ phasegate ask --wait 0 --key port "which port?"; exit 1; }'
)
ASK_PLAN = f"""
version: 1
project: asking
agents: {{max: 1, retries: 0, command: '{ASK_AGENT}'}}
efforts:
  - {{id: a}}
"""


def test_an_answer_after_the_agent_exited_reaches_its_next_attempt(project) -> None:  # type: ignore[no-untyped-def]
    repo = project(ASK_PLAN)
    first = run_phasegate("run", "--no-worktrees", cwd=repo)
    assert first.code == 1
    status = run_phasegate("status", "--no-notify", cwd=repo)
    assert "waiting for input" in status.out and "which port?" in status.out
    answered = run_phasegate("answer", "a", "port 8080", cwd=repo)
    assert answered.code == 0, answered.err
    again = run_phasegate("run", "--no-worktrees", "--retry", cwd=repo)
    assert again.code == 0, again.out + again.err
    brief = (repo / ".phasegate" / "briefs" / "a.2.md").read_text()
    assert "- Q: which port?\n  A: port 8080" in brief
