"""The coordination calendar as an iCalendar (.ics) file, checked by reading it back."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from phasegate.errors import EXIT_INTERNAL, PhasegateError, UsageError
from phasegate.schedule.calendar import Meeting


def when(m: Meeting, dates: Sequence[dt.date]) -> tuple[dt.datetime, dt.datetime]:
    hh, mm = (int(x) for x in m.start.split(":"))
    begin = dt.datetime.combine(dates[m.day], dt.time(hh, mm), tzinfo=dt.UTC)
    return begin, begin + dt.timedelta(minutes=m.minutes)


def uid(project: str, m: Meeting, date: dt.date) -> str:
    """Stable across regenerations, so a calendar client updates events instead of
    duplicating them."""
    return f"{project}.{m.kind}.{m.phase or 'all'}.{date.isoformat()}@phasegate"


def _description(m: Meeting) -> str:
    parts = []
    if m.agenda:
        parts.append("Agenda:\n" + "\n".join(f"- {a}" for a in m.agenda))
    if m.efforts:
        parts.append("Efforts: " + ", ".join(m.efforts))
    if m.owners:
        parts.append("Owners: " + ", ".join(m.owners))
    return "\n\n".join(parts)


def to_ics(project: str, meetings: Sequence[Meeting], dates: Sequence[dt.date]) -> bytes:
    try:
        import icalendar
    except ImportError:
        raise UsageError(
            "writing .ics needs the icalendar package: pip install 'phasegate[calendar]'"
        ) from None
    cal = icalendar.Calendar()
    cal.add("prodid", "-//phasegate//coordination calendar//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{project} coordination")
    # The same plan and start give the same file: the stamp is the calendar's first day.
    stamp = dt.datetime.combine(dates[0], dt.time(0, 0), tzinfo=dt.UTC) if dates else None
    for m in meetings:
        begin, end = when(m, dates)
        ev = icalendar.Event()
        ev.add("uid", uid(project, m, dates[m.day]))
        ev.add("dtstamp", stamp or begin)
        ev.add("dtstart", begin)
        ev.add("dtend", end)
        ev.add("summary", m.title)
        ev.add("description", _description(m))
        ev.add("categories", [m.kind])
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    check_ics(data, meetings, dates)
    return data


class CalendarError(PhasegateError):
    """The .ics written does not read back as the meetings it was made from."""

    exit_code = EXIT_INTERNAL


def check_ics(data: bytes, meetings: Sequence[Meeting], dates: Sequence[dt.date]) -> None:
    import icalendar

    back = icalendar.Calendar.from_ical(data)
    events = [c for c in back.walk() if c.name == "VEVENT"]
    if len(events) != len(meetings):
        raise CalendarError(f"calendar: wrote {len(meetings)} events, read back {len(events)}")
    for m, ev in zip(meetings, events, strict=True):
        begin, end = when(m, dates)
        got = (str(ev.get("summary")), ev.decoded("dtstart"), ev.decoded("dtend"))
        if got != (m.title, begin, end):
            raise CalendarError(f"calendar: event {m.title!r} on {begin} read back as {got}")
