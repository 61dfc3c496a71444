"""Three real agent CLIs carry out one plan through `phasegate run`: Claude Code, then Codex
CLI stacked on its branch, then Aider stacked on both; checks, merges and the phase gate."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agents.model_server import ModelServer
from agents.real import plans
from agents.real.conftest import USAGE, agent_env, command
from support import git, run_phasegate


def log(repo: Path, effort: str, attempt: int = 1) -> str:
    return (repo / ".phasegate" / "logs" / f"{effort}.{attempt}.log").read_text()


def store(repo: Path):  # type: ignore[no-untyped-def]
    from phasegate.store import open_store

    return open_store(None, state_dir=repo / ".phasegate")


@pytest.fixture(scope="module")
def ran(agent_bin: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("stacked")
    with ModelServer(log=tmp / "model-requests.jsonl") as model:
        model.book.usage = USAGE
        plans.stacked_book(model.book)
        env = agent_env(tmp / "home", model, agent_bin)
        cmds = {t: command(t) for t in ("claude", "codex", "aider")}
        repo = plans.project(tmp, plans.stacked_plan(env, cmds))
        r = run_phasegate("run", "--plain", cwd=repo, timeout=540)
        yield repo, model, r


def test_every_effort_done_with_the_agents_edits_on_integration(ran) -> None:  # type: ignore[no-untyped-def]
    repo, _model, r = ran
    assert r.code == 0, r.out + r.err
    with store(repo) as s:
        assert {e: v.state for e, v in s.efforts().items()} == dict.fromkeys(
            ("api", "cli", "docs"), "done"
        )
        assert s.phases()["p1"].state == "passed"
    show = lambda f: git(repo, "show", f"phasegate/integration:{f}") + "\n"  # noqa: E731
    assert show("api/hello.py") == plans.API_PY
    assert show("cli/main.py") == plans.CLI_PY
    assert show("docs/usage.md") == plans.USAGE_MD
    # The agents' own commits, not only phasegate's commit of what they left.
    history = git(repo, "log", "--format=%s", "phasegate/integration")
    assert "api: hello()" in history  # Claude Code's
    assert "Add the effort's files" in history  # Aider's, its message from the model
    # Codex's sandbox keeps the repository's git directory read-only: phasegate commits.
    assert "phasegate: work left uncommitted by the agent of cli (attempt 1)" in history
    changed = git(repo, "diff", "--name-only", "main", "phasegate/integration").split()
    assert sorted(changed) == ["api/__init__.py", "api/hello.py", "cli/main.py", "docs/usage.md"]


def test_branches_are_stacked(ran) -> None:  # type: ignore[no-untyped-def]
    repo, _model, _r = ran
    # cli's branch holds api's work, docs' holds both: each started from its dependencies.
    assert git(repo, "show", "phasegate/cli:api/hello.py") + "\n" == plans.API_PY
    assert git(repo, "show", "phasegate/docs:cli/main.py") + "\n" == plans.CLI_PY


def test_each_cli_got_the_brief(ran) -> None:  # type: ignore[no-untyped-def]
    repo, model, _r = ran
    first = {
        "/v1/messages": model.calls("/v1/messages")[0]["body"]["messages"][0],
        "/v1/responses": model.calls("/v1/responses")[0]["body"]["input"],
        "/v1/chat/completions": model.calls("/v1/chat/completions")[0]["body"]["messages"],
    }
    for path, effort in (("/v1/messages", "api"), ("/v1/responses", "cli"),
                         ("/v1/chat/completions", "docs")):  # fmt: skip
        brief = (repo / ".phasegate" / "briefs" / f"{effort}.1.md").read_text()
        sent = json.dumps(first[path])
        for line in (brief.splitlines()[0], "## How you will be judged"):
            assert json.dumps(line)[1:-1] in sent, (path, line)
    assert {r["path"] for r in model.requests} <= {
        "/", "/v1/messages", "/v1/responses", "/v1/chat/completions"}  # fmt: skip


def test_each_cli_printed_its_usage(ran) -> None:  # type: ignore[no-untyped-def]
    repo, model, _r = ran
    # Claude Code: one JSON result with tokens and the cost it worked out itself.
    n = len(model.calls("/v1/messages"))
    result = next(json.loads(x) for x in log(repo, "api").splitlines()
                  if x.startswith("{") and '"type":"result"' in x)  # fmt: skip
    assert result["subtype"] == "success" and result["permission_denials"] == []
    assert result["usage"]["input_tokens"] == USAGE.input * n
    assert result["usage"]["output_tokens"] == USAGE.output * n
    assert result["total_cost_usd"] == pytest.approx(
        n * (USAGE.input * 3 + USAGE.output * 15) / 1e6
    )
    # Codex CLI: JSONL events, tokens in turn.completed and no cost.
    n = len(model.calls("/v1/responses"))
    turns = [json.loads(x) for x in log(repo, "cli").splitlines() if '"turn.completed"' in x]
    assert len(turns) == 1
    assert turns[0]["usage"]["input_tokens"] == USAGE.input * n
    assert turns[0]["usage"]["output_tokens"] == USAGE.output * n
    # Aider: its tokens and cost line, gpt-4o at 2.5 and 10 USD per million tokens.
    m = re.search(r"Tokens: (\S+) sent, (\S+) received\. Cost: \$(\S+) message, \$(\S+) session\.",
                  log(repo, "docs"))  # fmt: skip
    assert m is not None, log(repo, "docs")
    assert m.groups()[:2] == ("1.2k", "80")
    assert float(m.group(3)) == pytest.approx((1200 * 2.5 + 80 * 10) / 1e6, abs=1e-4)


def test_claude_and_codex_reported_from_their_shell(ran) -> None:  # type: ignore[no-untyped-def]
    repo, _model, _r = ran
    with store(repo) as s:
        views = s.efforts()
        assert views["api"].tasks_done == ["hello()"]
        assert views["cli"].tasks_done == ["cli/main.py"]
        assert s.notes("api") == ["api.hello.hello() returns the greeting"]
        assert s.notes("cli") == ["cli/main.py prints the greeting"]
