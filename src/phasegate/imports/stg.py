"""Standard Task Graph (STG) files -> plan.

An STG file is a stream of integers: n, then n+2 records `id time npred pred...` for tasks
0..n+1 in topological order, where 0 and n+1 are zero-length dummy entry and exit tasks.
Lines starting with `#` after the records are comments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasegate.errors import InputError
from phasegate.imports.emit import Imported

_OPTIMUM = re.compile(r"^#\s*(\d+)\s+Proc\.\s*:\s*(\d+)", re.IGNORECASE)


@dataclass(frozen=True)
class TaskGraph:
    """The real tasks 1..n as indices 0..n-1: durations and predecessor lists."""

    dur: list[int]
    pred: list[list[int]]
    comments: list[str]

    def published(self) -> dict[int, int]:
        """Schedule lengths the file's comments give per processor count."""
        out: dict[int, int] = {}
        for c in self.comments:
            hit = _OPTIMUM.match(c)
            if hit:
                out[int(hit.group(1))] = int(hit.group(2))
        return out


def parse(text: str, name: str = "<stg>") -> TaskGraph:
    """Read an STG file; any defect raises InputError naming the line."""
    tokens: list[tuple[int, str]] = []
    comments: list[str] = []
    for lineno, raw in enumerate(text.splitlines(), 1):
        s = raw.strip()
        if s.startswith("#"):
            comments.append(s)
            continue
        tokens.extend((lineno, tok) for tok in s.split())
    pos = 0

    def take(what: str) -> int:
        nonlocal pos
        if pos >= len(tokens):
            last = tokens[-1][0] if tokens else 1
            raise InputError(f"{name}:{last}: file ends where {what} was expected")
        lineno, tok = tokens[pos]
        pos += 1
        try:
            v = int(tok)
        except ValueError:
            raise InputError(
                f"{name}:{lineno}: expected an integer ({what}), found {tok!r}"
            ) from None
        if v < 0:
            raise InputError(f"{name}:{lineno}: {what} must not be negative, found {v}")
        return v

    def line() -> int:
        return tokens[min(pos, len(tokens) - 1)][0] if tokens else 1

    at = line()
    n = take("the number of tasks")
    # A count no file of this size could hold is refused before anything is allocated for
    # it; a merely truncated file gets the precise error at the line where it runs out.
    if n > len(tokens):
        raise InputError(
            f"{name}:{at}: the header says {n} tasks, but the file holds at most "
            f"{max(0, (len(tokens) - pos) // 3 - 2)}"
        )
    dur = [0] * (n + 2)
    pred: list[list[int]] = [[] for _ in range(n + 2)]
    for expect in range(n + 2):
        at = line()
        tid = take("a task id")
        if tid != expect:
            raise InputError(f"{name}:{at}: expected task {expect}, found task {tid}")
        dur[tid] = take(f"processing time of task {tid}")
        for _ in range(take(f"predecessor count of task {tid}")):
            at = line()
            q = take(f"a predecessor of task {tid}")
            if q >= tid:
                raise InputError(
                    f"{name}:{at}: task {tid} lists predecessor {q}, "
                    "which is not earlier in the file"
                )
            pred[tid].append(q)
    if pos < len(tokens):
        raise InputError(f"{name}:{tokens[pos][0]}: unexpected data after task {n + 1}")
    # Drop the dummy entry (0) and exit (n+1); renumber 1..n to 0..n-1.
    real = [[q - 1 for q in pred[t] if q != 0] for t in range(1, n + 1)]
    return TaskGraph(dur[1 : n + 1], real, comments)


def detect(path: Path, head: str) -> bool:
    if path.suffix.lower() == ".stg":
        return True
    words = head.split("#", 1)[0].split()
    return len(words) >= 4 and all(w.isdigit() for w in words[:4]) and words[1] == "0"


def read(path: Path, **options: Any) -> Imported:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: cannot read: {e}") from None
    g = parse(text, str(path))
    efforts: list[dict[str, Any]] = []
    for i, (d, ps) in enumerate(zip(g.dur, g.pred, strict=True)):
        effort: dict[str, Any] = {"id": str(i + 1), "title": f"Task {i + 1}", "size": d}
        if ps:
            effort["depends_on"] = [str(q + 1) for q in ps]
        efforts.append(effort)
    data: dict[str, Any] = {
        "version": 1,
        "project": path.stem,
        "units": "points",
        "agents": {"max": 4},
        "efforts": efforts,
    }
    imp = Imported(data, header=[f"Imported from the Standard Task Graph file {path.name}"])
    imp.note(("units",), "STG processing times have no unit")
    imp.note(("agents",), "STG graphs are benchmarked on 2, 4, 8 and 16 processors")
    known = g.published()
    if known:
        listed = ", ".join(f"{k} agents: {v}" for k, v in sorted(known.items()))
        imp.header.append(f"Published schedule lengths: {listed}")
    return imp
