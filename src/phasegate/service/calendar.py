"""The coordination calendar of a plan: its schedule laid on working days from a start date,
with the meetings the seeds hold around it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from phasegate.errors import UsageError
from phasegate.plan.model import Plan
from phasegate.schedule.calendar import Meeting, PhaseSpan, add_working_days, meetings


@dataclass(frozen=True)
class Calendar:
    project: str
    start: dt.date
    agents: int
    meetings: list[Meeting]
    dates: list[dt.date]  # working day index -> date

    def to_json(self) -> dict[str, Any]:
        from phasegate.exports.ics import when

        out = []
        for m in self.meetings:
            begin, end = when(m, self.dates)
            out.append({
                "kind": m.kind, "title": m.title, "date": self.dates[m.day].isoformat(),
                "start": begin.isoformat(), "end": end.isoformat(), "phase": m.phase,
                "efforts": list(m.efforts), "owners": list(m.owners), "agenda": list(m.agenda),
            })  # fmt: skip
        return {"project": self.project, "start": self.start.isoformat(), "agents": self.agents,
                "meetings": out}  # fmt: skip


def first_working_day(d: dt.date) -> dt.date:
    while d.weekday() >= 5:
        d += dt.timedelta(days=1)
    return d


def coordination_calendar(plan: Plan, start: dt.date, agents: int | None = None) -> Calendar:
    if not plan.rate:
        raise UsageError("a calendar needs the plan's rate (units one agent does per day)")
    m = plan.agents.max if agents is None else agents
    if m < 1:
        raise UsageError(f"--agents must be at least 1, got {m}")
    from phasegate.schedule.planned import schedule

    s = schedule(plan, m)
    day0 = first_working_day(start)
    phases = []
    for i, p in enumerate(plan.phases):
        nxt = plan.phases[i + 1] if i + 1 < len(plan.phases) else None
        mine = tuple(e.id for e in plan.efforts if plan.phase_of(e) == p.id)
        theirs = tuple(e.id for e in plan.efforts if nxt and plan.phase_of(e) == nxt.id)
        phases.append(PhaseSpan(p.id, p.title, mine, nxt.id if nxt else None,
                                nxt.title if nxt else "", theirs))  # fmt: skip
    owners = {e.id: e.owner for e in plan.efforts}
    found = meetings(s.slots, phases, owners, plan.rate, day0.weekday())
    last = max((x.day for x in found), default=0)
    dates = [day0] + [add_working_days(day0, k) for k in range(1, last + 1)]
    return Calendar(plan.project, day0, m, found, dates)


def ics(cal: Calendar) -> bytes:
    from phasegate.exports.ics import to_ics

    return to_ics(cal.project, cal.meetings, cal.dates)
