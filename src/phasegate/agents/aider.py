"""Aider, run headless: `aider --message-file BRIEF --yes-always ...`.

Command line (aider.chat "Scripting aider" and "Options reference"): `--message-file F`
sends the file's text as one message, works on it and exits; `--yes-always` answers every
confirmation; `--no-stream --no-pretty --no-fancy-input` keep the output plain lines;
`--no-check-update --analytics-disable --no-show-release-notes` keep it quiet and offline;
`--no-gitignore`, `--chat-history-file /dev/null --input-history-file /dev/null` and
`--map-tokens 0` keep it from writing `.gitignore` entries, history files and a repo-map
cache into the worktree (they would be committed with the work and count as scope drift);
`--model` picks the model. It commits its own edits. It has no MCP client: it reports
through `phasegate report`, as the brief says.

Output (Aider-AI/aider `aider/coders/base_coder.py`, where `usage_report` is built from
`Tokens: ... sent, ... received.` and `Cost: $... message, $... session.`; older releases
said `request` for `message`, which is read too): after each model call a line `Tokens: 2.3k sent, 1.1k cache write, 4.0k cache hit, 450 received.
Cost: $0.02 message, $0.05 session.` (the cache parts only when the provider reports them;
counts of 1000 or more are rounded to `N.Nk` or `Nk`), and at start-up `Model: NAME with
EDIT edit format` (or `Main model: ...`). The last session figure is the attempt's cost,
the agent's own; token counts are summed over the message lines, so they are as exact as
Aider prints them.
"""

from __future__ import annotations

import re

from phasegate.agents.base import Context, Invocation, Usage, dollars, model_args, program

_NUM = r"([\d.,]+k?)"
_TOKENS = re.compile(
    rf"Tokens:\s*{_NUM}\s*sent"
    rf"(?:,\s*{_NUM}\s*cache write)?(?:,\s*{_NUM}\s*cache hit)?"
    rf",\s*{_NUM}\s*received\."
)
_COST = re.compile(r"Cost:\s*\$([\d.,]+)\s*(?:message|request),\s*\$([\d.,]+)\s*session")
_MODEL = re.compile(r"^(?:Main model|Model):\s*(\S+)", re.M)


def count(text: str | None) -> int:
    """`2.3k` -> 2300, `1,234` -> 1234."""
    if not text:
        return 0
    t = text.replace(",", "")
    try:
        return round(float(t[:-1]) * 1000) if t.endswith("k") else int(float(t))
    except ValueError:
        return 0


def _money(text: str) -> float | None:
    try:
        return dollars(float(text.replace(",", "")))
    except ValueError:
        return None


class Aider:
    kind = "aider"
    program = "aider"

    def invocation(self, ctx: Context) -> Invocation:
        argv = [
            program(ctx, self.program), "--message-file", str(ctx.brief),
            "--yes-always", "--no-stream", "--no-pretty", "--no-fancy-input",
            "--no-check-update", "--analytics-disable", "--no-show-release-notes",
            "--no-gitignore", "--map-tokens", "0",
            "--chat-history-file", "/dev/null", "--input-history-file", "/dev/null",
            *model_args(ctx), *ctx.agents.flags,
        ]  # fmt: skip
        return Invocation(argv, dict(ctx.env))

    def usage(self, log: str, ctx: Context) -> Usage | None:
        sent = received = write = hit = lines = 0
        for m in _TOKENS.finditer(log):
            lines += 1
            sent += count(m.group(1))
            write += count(m.group(2))
            hit += count(m.group(3))
            received += count(m.group(4))
        costs = _COST.findall(log)
        if not lines and not costs:
            return None
        session_cost = _money(costs[-1][1]) if costs else None
        models = _MODEL.findall(log)
        model = models[-1] if models else ctx.agents.model
        # Aider's "sent" counts every prompt token, cache writes and hits included.
        return Usage(
            source="aider cost lines",
            model=model,
            tokens_in=max(0, sent - hit),
            tokens_out=received,
            tokens_cached=hit,
            cost=session_cost,
            turns=lines,
            extra={"cache_write": write} if write else {},
        )
