"""What a run shows while it works: a live table on a terminal, plain log lines otherwise."""

from __future__ import annotations

import os
import sys
import time
from typing import TYPE_CHECKING, Any, Protocol, TextIO

if TYPE_CHECKING:
    from phasegate.engine.loop import Engine

_STYLE = {
    "done": "green",
    "running": "cyan",
    "checking": "blue",
    "ready": "white",
    "failed": "red",
    "rejected": "red",
    "conflicted": "magenta",
    "blocked": "yellow",
}


class View(Protocol):
    def start(self, engine: Engine) -> None: ...
    def stop(self) -> None: ...
    def refresh(self) -> None: ...
    def effort_line(self, effort: str, message: str) -> None: ...
    def phase_line(self, phase: str, message: str) -> None: ...
    def notice(self, message: str) -> None: ...


def wants_live(stream: TextIO) -> bool:
    """A live view only on an interactive terminal, never in CI or when output is piped."""
    return stream.isatty() and not os.environ.get("CI") and os.environ.get("TERM") != "dumb"


class PlainView:
    """One timestamped line per thing that happens: good for logs and CI."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.t0 = time.monotonic()
        self.engine: Engine | None = None

    def _line(self, text: str) -> None:
        self.stream.write(f"[{time.monotonic() - self.t0:7.2f}s] {text}\n")
        self.stream.flush()

    def start(self, engine: Engine) -> None:
        self.engine = engine
        self._line(
            f"run {engine.plan.project}: {len(engine.scope)} effort(s), up to {engine.max} "
            f"agent(s), {'worktrees' if engine.ws.worktrees else 'no worktrees'}"
        )

    def stop(self) -> None:
        pass

    def refresh(self) -> None:
        pass

    def effort_line(self, effort: str, message: str) -> None:
        where = ""
        if self.engine is not None:
            parts = [f"wave {self.engine.wave[effort]}"] if effort in self.engine.wave else []
            slot = self.engine.slots.get(effort)
            if slot is not None:
                parts.append(f"agent-{slot}")
            where = f" [{', '.join(parts)}]" if parts else ""
        self._line(f"effort {effort}{where}: {message}")

    def phase_line(self, phase: str, message: str) -> None:
        self._line(f"phase {phase}: {message}")

    def notice(self, message: str) -> None:
        self._line(message)


class LiveView:
    """A rich table redrawn in place: wave, effort, agent, state, elapsed, progress."""

    def __init__(self, console: Any) -> None:
        self.console = console
        self.engine: Engine | None = None
        self.live: Any = None
        self.last: dict[str, str] = {}
        self.t0 = time.monotonic()
        self.drawn = 0.0

    def start(self, engine: Engine) -> None:
        from rich.live import Live

        self.engine = engine
        self.live = Live(self._table(), console=self.console, refresh_per_second=8,
                         transient=False)  # fmt: skip
        self.live.start()

    def stop(self) -> None:
        if self.live is not None:
            self.live.update(self._table())
            self.live.stop()

    def refresh(self) -> None:
        # Redrawn at most ten times a second, however fast efforts finish.
        now = time.monotonic()
        if self.live is not None and now - self.drawn >= 0.1:
            self.drawn = now
            self.live.update(self._table())

    def effort_line(self, effort: str, message: str) -> None:
        self.last[effort] = message
        self.refresh()

    def phase_line(self, phase: str, message: str) -> None:
        self.console.print(f"[bold]phase {phase}[/]: {message}")

    def notice(self, message: str) -> None:
        self.console.print(f"[bold yellow]{message}[/]")

    def _table(self) -> Any:
        from rich.table import Table

        t = Table(title=f"phasegate run  {time.monotonic() - self.t0:5.1f}s", expand=False)
        for col in ("wave", "effort", "agent", "state", "elapsed", "progress", "last"):
            t.add_column(col, no_wrap=col != "last", overflow="fold")
        eng = self.engine
        if eng is None:
            return t
        from phasegate.tracking.questions import questions

        views = eng.views()
        asking = {q.effort for q in questions(eng.store) if q.open}
        now = time.time()
        for e in sorted(eng.scope, key=lambda x: (eng.wave.get(x, 0), eng.priority[x])):
            v = views.get(e)
            state = v.state if v else "pending"
            slot = eng.slots.get(e)
            elapsed = ""
            if v and v.started_at:
                end = (
                    v.finished_at if v.finished_at and state not in {"running", "checking"} else now
                )
                elapsed = f"{max(0.0, end - v.started_at):.1f}s"
            progress = f"{v.progress:.0f}%" if v and v.progress else ""
            style = _STYLE.get(state, "dim")
            shown = "waiting for input" if e in asking and state == "running" else state
            t.add_row(
                str(eng.wave.get(e, "")), e, f"agent-{slot}" if slot else "",
                f"[{style}]{shown}[/]", elapsed, progress, self.last.get(e, "")[:60],
            )  # fmt: skip
        return t
