"""Codex CLI, run headless: `codex exec --json --sandbox workspace-write ... PROMPT`.

Command line (openai/codex docs, "Non-interactive mode" and "Configuration"): `codex exec`
runs one prompt to the end; `--json` streams its events as JSON lines on stdout;
`--sandbox workspace-write` lets it write the working directory, and `--add-dir DIR` adds
the state directory (the store that `phasegate report` writes) and git's directory (its
commits); `-c allow_login_shell=false` keeps its shell commands from a login shell, whose
profile would put another `phasegate` (or none) first on PATH; `-c key=value` overrides any
config key, which is how phasegate's MCP server is declared
(`-c mcp_servers.phasegate.command=...`, `.args`, `.env`) without touching the user's
`config.toml`; `--skip-git-repo-check` because a worktree's `.git` is a file; `-m` picks
the model. It waits on an open stdin, which phasegate always gives it as /dev/null. It does
not read OPENAI_BASE_URL: a custom endpoint is a provider in `-c model_providers...`,
passed through `agents.flags`.

Output (openai/codex `codex-rs/exec/src/exec_events.rs`, where openai/codex#4309 added
`turn.completed` with `Usage {input_tokens, cached_input_tokens, output_tokens}`; the
`turn.completed` example in openai/codex#5276): one JSON object per line: `thread.started {thread_id}`, `turn.started`, `item.started|updated|completed {item}`
(items such as `command_execution`, `file_change`, `mcp_tool_call`, `agent_message`),
`turn.completed {usage: {input_tokens, cached_input_tokens, output_tokens}}`,
`turn.failed {error: {message}}` and `error {message}`. `input_tokens` includes the cached
ones. There is no cost field: the cost is tokens times `agents.prices`, marked estimated.
"""

from __future__ import annotations

import json

from phasegate.agents.base import (
    MCP_NAME,
    Context,
    Invocation,
    Usage,
    json_lines,
    model_args,
    program,
    whole,
)


def _toml(value: object) -> str:
    """A TOML value for `-c key=value` (JSON strings and arrays are valid TOML)."""
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items())
        return "{" + inner + "}"
    return json.dumps(value)


class Codex:
    kind = "codex"
    program = "codex"

    def config_overrides(self, ctx: Context) -> list[str]:
        server = ctx.mcp_server()
        pairs = [
            (f"mcp_servers.{MCP_NAME}.command", server["command"]),
            (f"mcp_servers.{MCP_NAME}.args", server["args"]),
            (f"mcp_servers.{MCP_NAME}.env", server["env"]),
            # Under `codex exec` nobody can approve a tool call, and phasegate's tools are
            # the agent's own reporting channel: without this every call is refused
            # ("MCP tool call requires approval, but approval policy is never"), as found
            # by driving the real CLI (tests/agents/real).
            (f"mcp_servers.{MCP_NAME}.default_tools_approval_mode", "approve"),
        ]
        out: list[str] = ["-c", "allow_login_shell=false"]
        for key, value in pairs:
            out += ["-c", f"{key}={_toml(value)}"]
        return out

    def invocation(self, ctx: Context) -> Invocation:
        argv = [
            program(ctx, self.program), "exec", "--json",
            "--sandbox", "workspace-write", "--skip-git-repo-check",
            *(a for p in ctx.writable for a in ("--add-dir", str(p))),
            *model_args(ctx, "-m"), *self.config_overrides(ctx), *ctx.agents.flags,
            ctx.prompt(),
        ]  # fmt: skip
        return Invocation(argv, dict(ctx.env))

    def usage(self, log: str, ctx: Context) -> Usage | None:
        events = [d for d in json_lines(log) if isinstance(d.get("type"), str)]
        if not events:
            return None
        session = None
        turns = 0
        tokens_in = tokens_cached = tokens_out = 0
        error = None
        for ev in events:
            kind = ev["type"]
            if kind == "thread.started" and ev.get("thread_id"):
                session = str(ev["thread_id"])
            elif kind == "turn.completed":
                turns += 1
                u = ev.get("usage")
                if not isinstance(u, dict):
                    u = {}
                cached = whole(u.get("cached_input_tokens"))
                tokens_cached += cached
                tokens_in += max(0, whole(u.get("input_tokens")) - cached)
                tokens_out += whole(u.get("output_tokens"))
            elif kind in ("turn.failed", "error"):
                error = kind
        if session is None and not turns and error is None:
            return None
        return Usage(
            source="codex events",
            model=ctx.agents.model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            tokens_cached=tokens_cached,
            turns=turns,
            session=session,
            error=error,
        )
