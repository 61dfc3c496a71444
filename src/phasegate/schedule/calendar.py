"""A schedule as working days split into half-days, like a hand-written execution timeline.

Pure: slots in size units in, rows of cells out; the CLI renders them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_ABBREV = {"lines": "L", "hours": "h", "points": "pt", "days": "d"}
_EPS = 1e-9


@dataclass(frozen=True)
class Slot:
    effort: str
    title: str
    agent: int  # 1-based
    start: float
    end: float


@dataclass(frozen=True)
class Row:
    label: str  # "Day 1 AM"
    cells: list[str]  # one per agent; "-" when idle


def half_days(slots: Sequence[Slot], agents: int, rate: float, units: str) -> list[Row]:
    """One row per half-day until the last effort ends; each cell lists the efforts the
    agent works on in that half-day with the portion of their size done there."""
    half = rate / 2
    end = max((s.end for s in slots), default=0.0)
    count = max(1, math.ceil(end / half - _EPS))
    unit = _ABBREV.get(units, f" {units}")
    rows: list[Row] = []
    for k in range(count):
        lo, hi = k * half, (k + 1) * half
        cells: list[list[str]] = [[] for _ in range(agents)]
        for s in sorted(slots, key=lambda s: s.start):
            part = min(hi, s.end) - max(lo, s.start)
            if part > _EPS and 1 <= s.agent <= agents:
                cells[s.agent - 1].append(f"{s.title or s.effort} ({_amount(part)}{unit})")
        label = f"Day {k // 2 + 1} {'AM' if k % 2 == 0 else 'PM'}"
        rows.append(Row(label, [", ".join(c) if c else "-" for c in cells]))
    return rows


def _amount(x: float) -> str:
    r = round(x, 2)
    return str(int(r)) if float(r).is_integer() else f"{r:g}"
