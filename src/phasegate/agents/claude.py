"""Claude Code, run headless: `claude -p PROMPT --output-format json ...`.

Sources checked: Claude Code's headless-mode page (docs.claude.com, "Headless mode":
`-p/--print`, `--output-format text|json|stream-json`, `--allowedTools`, `--mcp-config`),
`claude --help` as quoted in anthropics/claude-code#85400 (`--max-budget-usd <amount>
Maximum dollar amount to spend on API calls (only works with --print)`; the run then ends
with "Exceeded USD budget"), the Agent SDK's options (`permission_mode`, `max_budget_usd`,
`mcp_servers`), and the result object as documented for `--output-format json`.

Command line: `-p` runs one prompt without the interactive UI; `--output-format json`
prints a single result object when the run ends; `--permission-mode acceptEdits` lets it
edit files without asking (`bypassPermissions` is refused when running as root unless
IS_SANDBOX=1, so it is not the default); `--allowedTools Bash,mcp__phasegate` pre-approves
the shell (to run the effort's checks and commit) and phasegate's MCP tools;
`--mcp-config FILE --strict-mcp-config` loads only the servers in FILE; `--max-budget-usd`
ends the run once it has spent that much; `--model` picks the model. Flags from
`agents.flags` come last, after the budget, so a `--` among them cannot turn the budget
into prompt text.

Output: one JSON object, `{"type": "result", "subtype": "success" | "error_max_turns" |
"error_during_execution" | ..., "is_error", "num_turns", "session_id", "total_cost_usd",
"usage": {"input_tokens", "output_tokens", "cache_read_input_tokens",
"cache_creation_input_tokens"}, "modelUsage": {MODEL: {...}}, "result"}` (older write-ups
name the cost `cost_usd`; the current field is `total_cost_usd`). The cost is the agent's
own, so it is not marked estimated.
"""

from __future__ import annotations

import json
import re
from typing import Any

from phasegate.agents.base import (
    MCP_NAME,
    Context,
    Invocation,
    Usage,
    dollars,
    json_lines,
    model_args,
    program,
    whole,
    write_json,
)


def result_object(log: str) -> dict[str, Any] | None:
    """The last result object in the log: on a line of its own, or pretty-printed."""
    results = [d for d in json_lines(log) if d.get("type") == "result"]
    if results:
        return results[-1]
    decoder = json.JSONDecoder()
    for m in reversed(list(re.finditer(r"^\{", log, re.M))):
        try:
            doc, _ = decoder.raw_decode(log, m.start())
        except ValueError:
            continue
        if isinstance(doc, dict) and doc.get("type") == "result":
            return doc
    return None


class Claude:
    kind = "claude"
    program = "claude"

    def mcp_config(self, ctx: Context) -> dict[str, object]:
        return {"mcpServers": {MCP_NAME: {"type": "stdio", **ctx.mcp_server()}}}

    def invocation(self, ctx: Context) -> Invocation:
        config = write_json(ctx.files / f"{ctx.stem}.claude-mcp.json", self.mcp_config(ctx))
        argv = [
            program(ctx, self.program), "-p", ctx.prompt(),
            "--output-format", "json",
            "--permission-mode", "acceptEdits",
            "--allowedTools", f"Bash,mcp__{MCP_NAME}",
            "--mcp-config", str(config), "--strict-mcp-config",
            *model_args(ctx),
        ]  # fmt: skip
        if ctx.budget_left is not None:
            argv += ["--max-budget-usd", f"{max(ctx.budget_left, 0.0):.4f}"]
        return Invocation([*argv, *ctx.agents.flags], dict(ctx.env))

    def usage(self, log: str, ctx: Context) -> Usage | None:
        r = result_object(log)
        if r is None:
            return None
        u = r.get("usage")
        if not isinstance(u, dict):
            u = {}
        models = r.get("modelUsage")
        model = ctx.agents.model
        if isinstance(models, dict) and models:
            # The model that did the work is the one that wrote the most.
            model = max(
                models,
                key=lambda m: whole(models[m].get("outputTokens"))
                if isinstance(models[m], dict) else 0,
            )  # fmt: skip
        subtype = r.get("subtype")
        error = None
        if r.get("is_error") or (isinstance(subtype, str) and subtype != "success"):
            error = str(subtype or "error")
        turns = r.get("num_turns")
        session = r.get("session_id")
        return Usage(
            source="claude result",
            model=model,
            tokens_in=whole(u.get("input_tokens")) + whole(u.get("cache_creation_input_tokens")),
            tokens_out=whole(u.get("output_tokens")),
            tokens_cached=whole(u.get("cache_read_input_tokens")),
            cost=dollars(r.get("total_cost_usd")),
            turns=whole(turns) if turns is not None else None,
            session=str(session) if session else None,
            error=error,
        )
