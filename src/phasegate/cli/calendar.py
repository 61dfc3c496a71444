"""phasegate calendar: standups, weekly reviews and phase-transition meetings from the
schedule, optionally as an .ics file."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, JsonOpt, PlanOpt, example

ORDER = 45


def register(app: typer.Typer) -> None:
    @app.command(
        "calendar",
        help="Coordination calendar: daily standups, weekly reviews, and per phase gate the "
        "handoff preparation, transition and follow-up.",
        epilog=example(
            f"phasegate calendar -f {EXAMPLE_PLAN} --start 2026-03-02",
            "phasegate calendar --ics team.ics",
        ),
    )
    def calendar_cmd(
        start: Annotated[
            str | None, typer.Option("--start", help="First day, YYYY-MM-DD (default: today).")
        ] = None,
        agents: Annotated[
            int | None, typer.Option("--agents", help="Agents (default: the plan's max).")
        ] = None,
        ics: Annotated[str | None, typer.Option("--ics", help="Write an iCalendar file.")] = None,
        force: Annotated[bool, typer.Option("--force", help="Overwrite --ics FILE.")] = False,
        plan: PlanOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        import datetime as dt

        from phasegate.cli.common import check_output, emit_json, load, write_output
        from phasegate.errors import UsageError
        from phasegate.service.calendar import coordination_calendar
        from phasegate.service.calendar import ics as ics_bytes

        try:
            day = dt.date.fromisoformat(start) if start else dt.date.today()
        except ValueError:
            raise UsageError(f"--start {start!r}: expected a date as YYYY-MM-DD") from None
        loaded = load(plan, quiet=as_json)
        if ics:
            check_output(ics, force=force, loaded=loaded)
        cal = coordination_calendar(loaded.plan, day, agents)
        if ics:
            data = ics_bytes(cal)
            write_output(ics, data.decode("utf-8"), force=True, loaded=loaded)
        doc = cal.to_json()
        if as_json:
            emit_json("calendar", {**doc, "ics": ics})
            return 0
        for m in doc["meetings"]:
            who = f" — {', '.join(m['owners'])}" if m["owners"] else ""
            print(f"{m['date']} {m['start'][11:16]} {m['title']}{who}")
        if ics:
            print(f"wrote {len(doc['meetings'])} events to {ics}")
        return 0
