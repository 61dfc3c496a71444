"""What every agent adapter shares: how an attempt is started, and what it spent.

An adapter is the only code that knows an agent CLI's flags and output format. It turns the
plan's `agents` section into an `Invocation` (argv and environment, run in the effort's
worktree with stdin from /dev/null), writes the MCP config its agent reads, and reads the
agent's log after it exits into a `Usage`, stored as one `agent.usage` event per attempt.
"""

from __future__ import annotations

import json
import math
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from phasegate.plan.model import Agents, Effort

# The one name phasegate's MCP server goes by in every agent's config: Claude Code then
# offers its tools as `mcp__phasegate__<tool>`.
MCP_NAME = "phasegate"
# What the stdio MCP server reads to know whom it serves.
MCP_ENV = ("PHASEGATE_EFFORT", "PHASEGATE_ATTEMPT", "PHASEGATE_PLAN", "PHASEGATE_DB",
           "PHASEGATE_TOKEN")  # fmt: skip
# A brief longer than this is not put on the command line (Linux caps one argument at
# 128 KiB); the agent is pointed at the file instead.
MAX_PROMPT = 100_000


@dataclass(frozen=True)
class Context:
    """One attempt, as an adapter needs to see it."""

    agents: Agents
    effort: Effort
    attempt: int
    brief: Path  # the brief file, already written
    env: dict[str, str]  # the attempt's environment (PHASEGATE_* included)
    files: Path  # a directory for the adapter's own files (MCP configs)
    budget_left: float | None = None  # USD the effort may still spend, when a budget applies
    writable: tuple[Path, ...] = ()  # beyond the worktree: the state directory, git's dir
    command: str | list[str] | None = None  # the effort's or the plan's `command`

    @property
    def stem(self) -> str:
        from phasegate.plan.refs import file_stem

        return f"{file_stem(self.effort.id)}.{self.attempt}"

    def prompt(self) -> str:
        text = self.brief.read_text(encoding="utf-8", errors="replace")
        if len(text.encode()) <= MAX_PROMPT:
            return text
        return f"Your brief is in {self.brief}: read it first and do the work it describes."

    def mcp_server(self) -> dict[str, Any]:
        """phasegate's stdio MCP server, as the agent starts it."""
        env = {k: self.env[k] for k in MCP_ENV if k in self.env}
        return {"command": sys.executable, "args": ["-m", "phasegate", "mcp"], "env": env}


@dataclass(frozen=True)
class Invocation:
    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Usage:
    """What one attempt of an agent used, as its own output says."""

    source: str  # which output it was read from, e.g. "claude result"
    model: str | None = None
    tokens_in: int = 0  # input not served from a cache
    tokens_out: int = 0
    tokens_cached: int = 0  # input read from the provider's cache
    cost: float | None = None  # USD; None when neither the agent nor the plan's prices say
    estimated: bool = False  # cost computed from tokens and agents.prices
    turns: int | None = None
    session: str | None = None
    error: str | None = None  # the agent's own error subtype
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out + self.tokens_cached

    def priced(self, agents: Agents) -> Usage:
        """This usage with a cost: its own, or tokens times the plan's price for its model."""
        if self.cost is not None:
            return self
        price = agents.prices.get(self.model or "") if self.model else None
        if price is None and len(agents.prices) == 1 and self.model is None:
            price = next(iter(agents.prices.values()))
        if price is None:
            return self
        cached = price.cached if price.cached is not None else price.input
        cost = (
            self.tokens_in * price.input + self.tokens_out * price.output
            + self.tokens_cached * cached
        ) / 1e6  # fmt: skip
        return replace(self, cost=round(cost, 9), estimated=True)

    def event_data(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "model": self.model,
            "tokens_in": self.tokens_in,
            "tokens_out": self.tokens_out,
            "tokens_cached": self.tokens_cached,
            "tokens": self.tokens,
            "cost": self.cost if self.cost is not None else 0.0,
            "priced": self.cost is not None,
            "estimated": self.estimated,
            "turns": self.turns,
            "session": self.session,
            "error": self.error,
            **self.extra,
        }


class Adapter(Protocol):
    kind: str
    program: str  # the executable's usual name

    def invocation(self, ctx: Context) -> Invocation: ...
    def usage(self, log: str, ctx: Context) -> Usage | None: ...


def whole(value: object) -> int:
    """A token count from an agent's JSON: whole, finite, not negative, else 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    if not math.isfinite(value) or value < 0:
        return 0
    return int(value)


def dollars(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    v = float(value)
    return v if math.isfinite(v) and v >= 0 else None


def json_lines(log: str) -> list[dict[str, Any]]:
    """Every line of the log that is a JSON object (agents mix them with stderr text)."""
    out: list[dict[str, Any]] = []
    for line in log.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            doc = json.loads(line)
        except ValueError:
            continue
        if isinstance(doc, dict):
            out.append(doc)
    return out


def program(ctx: Context, default: str) -> str:
    return ctx.agents.program or default


def model_args(ctx: Context, flag: str = "--model") -> list[str]:
    return [flag, ctx.agents.model] if ctx.agents.model else []


def write_json(path: Path, doc: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(doc, indent=2) + "\n")
    tmp.replace(path)
    return path
