"""What earlier attempts of an effort went through, read back from the store and their logs,
so a retry's or a rework's brief says what failed instead of starting blind."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from phasegate.store import Store

LOG_TAIL = 20  # lines of an earlier attempt's log in the brief
CHECK_TAIL = 12  # lines of a failing check's output

KEPT = "attempt.kept"  # event: a failed attempt's work was set aside under a ref


@dataclass
class Earlier:
    attempt: int
    kind: str = "work"  # or "resolve": an attempt at a conflicting merge
    outcome: str = ""  # the state the attempt ended in
    reason: str = ""
    exit_code: int | None = None
    log: str = ""
    log_tail: list[str] = field(default_factory=list)
    failed_checks: list[tuple[str, str]] = field(default_factory=list)  # (name, output tail)
    conflict_files: list[str] = field(default_factory=list)
    kept: str = ""  # ref holding the work it left, when set aside


@dataclass
class History:
    attempts: list[Earlier] = field(default_factory=list)
    rollback: str = ""  # why the merged work was rolled back, if it was
    notes: list[str] = field(default_factory=list)  # reviewers', people's, agents' notes
    continues: bool = False  # the earlier work is already on the branch

    @property
    def empty(self) -> bool:
        return not (self.attempts or self.rollback)


def _tail(text: str, n: int) -> list[str]:
    return [x for x in text.rstrip().splitlines()[-n:]]


def read_tail(path: Path, n: int = LOG_TAIL) -> list[str]:
    try:
        with path.open("rb") as f:
            f.seek(0, 2)
            size = f.tell()
            f.seek(max(0, size - 16_000))
            return _tail(f.read().decode("utf-8", "replace"), n)
    except OSError:
        return []


def history(store: Store, effort: str, before: int) -> History:
    """Every attempt of `effort` before attempt `before`, oldest first."""
    h = History()
    by: dict[int, Earlier] = {}

    def rec(n: int | None) -> Earlier | None:
        if n is None or n < 1 or n >= before:
            return None
        return by.setdefault(n, Earlier(n))

    for ev in store.events(effort=effort):
        d = ev.data
        if ev.kind == "effort.state":
            to = str(d.get("to", ""))
            r = rec(ev.attempt)
            if to == "running" and r is not None and d.get("kind") == "resolve":
                r.kind = "resolve"
            if to in {"failed", "rejected", "conflicted", "done", "rework", "blocked"} and r:
                r.outcome, r.reason = to, str(d.get("reason", ""))
                if to == "conflicted":
                    r.conflict_files = [str(x) for x in d.get("files") or []]
            if to == "running" and ev.attempt == before:
                break
        elif ev.kind == "agent.spawned" and (r := rec(ev.attempt)) is not None:
            r.log = str(d.get("log", ""))
        elif ev.kind == "agent.exited" and (r := rec(ev.attempt)) is not None:
            code = d.get("exit_code")
            r.exit_code = int(code) if isinstance(code, int) else None
        elif ev.kind == "check.result" and (r := rec(ev.attempt)) is not None:
            if not d.get("passed", True):
                r.failed_checks.append(
                    (str(d.get("name", "")), "\n".join(_tail(str(d.get("tail", "")), CHECK_TAIL)))
                )
        elif ev.kind == KEPT and (r := rec(ev.attempt)) is not None:
            r.kept = str(d.get("ref", ""))
        elif ev.kind == "effort.unmerged":
            h.rollback = str(d.get("reason", ""))
    for n in sorted(by):
        r = by[n]
        if r.log:
            r.log_tail = read_tail(Path(r.log))
        h.attempts.append(r)
    h.notes = store.notes(effort)
    return h


def render(h: History) -> list[str]:
    """The brief's section on earlier attempts (empty when there were none)."""
    if h.empty:
        return []
    lines = ["## What happened before", ""]
    if h.rollback:
        lines += [f"Your merged work was rolled back: {h.rollback}", ""]
    for r in h.attempts:
        what = "conflict resolution" if r.kind == "resolve" else "attempt"
        head = f"### {what.capitalize()} {r.attempt}: {r.outcome or 'ended'}"
        lines += [head, ""]
        if r.reason:
            lines += [f"Reason: {r.reason}", ""]
        if r.exit_code is not None:
            lines += [f"Agent exit code: {r.exit_code}", ""]
        for name, tail in r.failed_checks:
            lines += [f"Check '{name}' failed; its output ended with:", "", "```", tail, "```", ""]
        if r.conflict_files:
            lines += [f"Conflicting files: {', '.join(r.conflict_files)}", ""]
        if r.log_tail:
            lines += ["Its log ended with:", "", "```", *r.log_tail, "```", ""]
        if r.kept:
            lines += [f"The work it left is kept at `{r.kept}` (`git log {r.kept}`).", ""]
    if h.notes:
        lines += ["Notes so far:", "", *[f"- {n}" for n in h.notes], ""]
    if h.continues:
        lines += ["Earlier work is already on your branch: carry on from it.", ""]
    else:
        lines += [
            "Your branch starts again from what it is stacked on; earlier work is not on it "
            "(see the refs above).",
            "",
        ]
    return lines
