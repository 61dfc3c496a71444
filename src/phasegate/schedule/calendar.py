"""A schedule as working days split into half-days, like a hand-written execution timeline.

Pure: slots in size units in, rows of cells out; the CLI renders them.
"""

from __future__ import annotations

import datetime as dt
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


# -- the coordination calendar (seeds 001 and 002) --------------------------------------------

WEEK = 5  # working days: "one week before/after" a transition


@dataclass(frozen=True)
class Meeting:
    kind: str  # standup | weekly-review | handoff-preparation | transition | follow-up
    title: str
    day: int  # 0-based working day from the start
    start: str  # "HH:MM"
    minutes: int
    phase: str | None
    efforts: tuple[str, ...]
    owners: tuple[str, ...]
    agenda: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhaseSpan:
    id: str
    title: str
    efforts: tuple[str, ...]
    next_id: str | None = None
    next_title: str = ""
    next_efforts: tuple[str, ...] = ()


_AGENDA = {
    "handoff-preparation": (
        "Review handoff requirements and validation criteria",
        "Prepare integration documentation and examples",
        "Schedule hands-on training and knowledge transfer",
        "Validate shared resources and utilities readiness",
    ),
    "transition": (
        "Complete handoff validation and sign-off",
        "Transfer ownership of active development",
        "Establish support and consultation availability",
        "Document lessons learned and recommendations",
    ),
    "follow-up": (
        "Validate successful integration and continued progress",
        "Address any issues or gaps discovered during transition",
        "Refine coordination processes based on experience",
        "Update shared documentation and resources",
    ),
    "weekly-review": (
        "Cross-phase architecture review: decisions and their impact on later phases",
        "Risk assessment and mitigation; adjust timelines and resources",
    ),
    "standup": (
        "Current phase progress and blockers",
        "Upcoming phase preparation",
        "Integration concerns and shared resources",
    ),
}


def _day_of(t: float, rate: float) -> int:
    """The 0-based working day in which size-unit time `t` falls (an end on a day's
    boundary belongs to the day before)."""
    return max(0, math.ceil(t / rate - _EPS) - 1)


def meetings(
    slots: Sequence[Slot],
    phases: Sequence[PhaseSpan],
    owners: dict[str, str],
    rate: float,
    first_weekday: int,  # 0 = Monday, of working day 0
) -> list[Meeting]:
    """Daily standups, weekly reviews, and for each phase gate the handoff preparation one
    week before, the transition, and the follow-up one week after; by day, then time."""
    if not slots:
        return []
    last = max(_day_of(s.end, rate) for s in slots)
    ends: dict[str, float] = {s.effort: s.end for s in slots}
    out: list[Meeting] = []

    def who(ids: Sequence[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(owners[i] for i in ids if owners.get(i)))

    for day in range(last + 1):
        lo, hi = day * rate, (day + 1) * rate
        busy = tuple(s.effort for s in slots if s.start < hi - _EPS and s.end > lo + _EPS)
        out.append(Meeting("standup", "Daily standup", day, "09:00", 15, None, busy, who(busy),
                           _AGENDA["standup"]))  # fmt: skip
        if (first_weekday + day) % WEEK == 0 or day == 0:
            active = tuple(s.effort for s in slots if s.start < (day + WEEK) * rate - _EPS
                           and s.end > lo + _EPS)  # fmt: skip
            out.append(Meeting("weekly-review", "Weekly cross-phase review", day, "14:00", 60,
                               None, active, who(active), _AGENDA["weekly-review"]))  # fmt: skip
    for p in phases:
        mine = [e for e in p.efforts if e in ends]
        if not mine:
            continue
        gate = _day_of(max(ends[e] for e in mine), rate) + 1
        to = f" -> {p.next_title or p.next_id}" if p.next_id else ""
        both = (*mine, *p.next_efforts)
        name = p.title or p.id
        for kind, day, title, start, minutes, ids in (
            ("handoff-preparation", max(0, gate - WEEK), f"Handoff preparation: {name}{to}", "10:00", 60, both),
            ("transition", gate, f"Phase transition: {name}{to}", "10:00", 120, both),
            ("follow-up", gate + WEEK, f"Post-transition follow-up: {name}{to}", "10:00", 60, both),
        ):  # fmt: skip
            out.append(Meeting(kind, title, day, start, minutes, p.id, tuple(ids), who(ids),
                               _AGENDA[kind]))  # fmt: skip
    return sorted(out, key=lambda m: (m.day, m.start, m.kind))


def add_working_days(start: dt.date, days: float) -> dt.date:
    """The date `days` working days (Monday to Friday) after `start`."""
    left = math.ceil(days - 1e-9)
    d = start
    while left > 0:
        d += dt.timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return d
