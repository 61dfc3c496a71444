"""phasegate schedule: efforts on N agents, the speed-up curve, and finish forecasts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer

from phasegate.cli.common import EXAMPLE_PLAN, JsonOpt, PlanOpt, console, emit_json, example, num
from phasegate.errors import UsageError

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan
    from phasegate.plan.model import Plan
    from phasegate.schedule.planned import PlanSchedule

ORDER = 35


def parse_agents(text: str | None, default: int) -> tuple[int, int]:
    if text is None:
        return default, default
    lo, sep, hi = text.partition("-")
    try:
        a, b = int(lo), int(hi) if sep else int(lo)
    except ValueError:
        raise UsageError(
            f"--agents {text!r}: expected a count like 3 or a range like 1-8"
        ) from None
    if a < 1 or b < a or b > 256:
        raise UsageError(f"--agents {text!r}: counts go from 1 to 256, low before high")
    return a, b


def register(app: typer.Typer) -> None:
    @app.command(
        "schedule",
        help="Schedule efforts on N agents: timeline, makespan vs lower bound, forecasts.",
        epilog=example(
            f"phasegate schedule -f {EXAMPLE_PLAN} --agents 3",
            f"phasegate schedule -f {EXAMPLE_PLAN} --agents 1-8",
            f"phasegate schedule -f {EXAMPLE_PLAN} --agents 2 --optimal --json",
        ),
    )
    def schedule(
        plan: PlanOpt = None,
        as_json: JsonOpt = False,
        agents: str | None = typer.Option(
            None, "--agents", "-n", help="Agent count, or a range like 1-8 (default agents.max)."
        ),
        optimal: bool = typer.Option(False, "--optimal", help="Prove optimality with CP-SAT."),
        time_limit: float = typer.Option(3.0, "--time-limit", help="Seconds for --optimal."),
        forecast: bool = typer.Option(False, "--forecast", help="Monte Carlo finish forecast."),
        runs: int = typer.Option(2000, "--runs", help="Forecast runs."),
        dist: str = typer.Option("pert", "--dist", help="Forecast distribution: pert, triangular."),
        seed: int = typer.Option(0, "--seed", help="Random seed (results are reproducible)."),
        db: str | None = typer.Option(None, "--db", envvar="PHASEGATE_DB", help="State store."),
    ) -> int:
        from phasegate.cli.common import load

        if time_limit <= 0:
            raise UsageError("--time-limit must be positive")
        if dist not in ("pert", "triangular"):
            raise UsageError(f"--dist {dist!r}: choose pert or triangular")
        if runs < 1:
            raise UsageError("--runs must be at least 1")
        loaded = load(plan, quiet=as_json)
        p = loaded.plan
        if not p.efforts:
            raise UsageError(f"{loaded.display}: the plan has no efforts to schedule")
        lo, hi = parse_agents(agents, p.agents.max)
        if lo != hi:
            if forecast:
                raise UsageError("--forecast takes one agent count, not a range")
            return _curve(p, lo, hi, optimal, time_limit, seed, as_json)
        if forecast:
            return _forecast(loaded, lo, runs, seed, dist, db, as_json)
        from phasegate.schedule.planned import schedule as solve

        s = solve(p, lo, optimal=optimal, time_limit=time_limit, seed=seed)
        if as_json:
            emit_json("schedule", _payload(p, s))
            return 0
        _show(p, s)
        return 0


def _payload(p: Plan, s: PlanSchedule) -> dict[str, Any]:
    return {
        "agents": s.agents,
        "makespan": num(s.makespan),
        "lower_bound": num(s.lower_bound),
        "optimal": s.optimal,
        "units": p.units,
        "days": num(round(s.makespan / p.rate, 4)) if p.rate else None,
        "critical_path": num(s.critical_path),
        "utilisation": round(s.utilisation, 4),
        "slots": [
            {"effort": x.effort, "agent": x.agent, "start": num(x.start), "end": num(x.end)}
            for x in s.slots
        ],
    }


def _days(p: Plan, x: float) -> str:
    if not p.rate or (p.units == "days" and p.rate == 1):
        return ""
    return f" = {x / p.rate:.1f} days at {num(p.rate)} {p.units}/day"


def _show(p: Plan, s: PlanSchedule) -> None:
    from rich.table import Table

    c = console()
    proof = "optimal (proven)" if s.optimal else "not proven optimal"
    c.print(
        f"[bold]makespan[/]: {num(s.makespan)} {p.units}{_days(p, s.makespan)} on "
        f"{s.agents} agent(s), {proof}"
    )
    c.print(
        f"[bold]lower bound[/]: {num(s.lower_bound)} {p.units} (critical path "
        f"{num(s.critical_path)}, total work {num(s.total_work)})"
    )
    t = Table(title="timeline by agent")
    for col in ("agent", "effort", "start", "end"):
        t.add_column(col, justify="right" if col in ("start", "end") else "left")
    for x in sorted(s.slots, key=lambda x: (x.agent, x.start)):
        t.add_row(
            f"Agent {x.agent}", f"{x.effort} {x.title}".strip(), str(num(x.start)), str(num(x.end))
        )
    c.print(t)
    if p.rate:
        from phasegate.schedule.calendar import half_days

        cal = Table(title=f"calendar ({num(p.rate)} {p.units} per agent-day)")
        cal.add_column("Day")
        for k in range(s.agents):
            cal.add_column(f"Agent {k + 1}")
        for row in half_days(s.slots, s.agents, p.rate, p.units):
            cal.add_row(row.label, *row.cells)
        c.print(cal)


def _curve(p: Plan, lo: int, hi: int, optimal: bool, limit: float, seed: int, js: bool) -> int:
    from rich.table import Table

    from phasegate.schedule.planned import curve

    out, pick = curve(p, lo, hi, optimal=optimal, time_limit=limit, seed=seed)
    if js:
        emit_json(
            "speedup",
            {
                "units": p.units,
                "critical_path": num(out[0].critical_path),
                "curve": [
                    {
                        "agents": s.agents,
                        "makespan": num(s.makespan),
                        "lower_bound": num(s.lower_bound),
                        "optimal": s.optimal,
                        "utilisation": round(s.utilisation, 4),
                        "days": num(round(s.makespan / p.rate, 4)) if p.rate else None,
                    }
                    for s in out
                ],
                "recommended": pick,
            },
        )
        return 0
    c = console()
    t = Table(title="speed-up by agent count")
    for col in ("agents", "makespan", "days", "lower bound", "utilisation", "optimal"):
        t.add_column(col, justify="right")
    for s in out:
        t.add_row(
            str(s.agents),
            str(num(s.makespan)),
            f"{s.makespan / p.rate:.1f}" if p.rate else "-",
            str(num(s.lower_bound)),
            f"{s.utilisation:.0%}",
            "yes" if s.optimal else "-",
        )
    c.print(t)
    best = min(s.makespan for s in out)
    why = ""
    if abs(best - out[0].critical_path) < 1e-9:
        why = f": the critical path ({num(best)} {p.units}{_days(p, best)}) bounds the makespan"
    c.print(
        f"[bold]recommended[/]: {pick} agent(s), within 5% of the best makespan {num(best)}{why}"
    )
    return 0


def _forecast(
    loaded: LoadedPlan, m: int, runs: int, seed: int, dist: str, db: str | None, js: bool
) -> int:
    from phasegate.schedule.planned import forecast

    p = loaded.plan
    from phasegate.service.history import observed_ratios

    observed = observed_ratios(loaded, db) if p.rate else []
    base, fc = forecast(p, m, ratios=observed, runs=runs, seed=seed, dist=dist)

    def d(x: float) -> float | None:
        return num(round(x / p.rate, 3)) if p.rate else None

    if js:
        emit_json(
            "forecast",
            {
                "agents": m,
                "units": p.units,
                "runs": fc.runs,
                "distribution": dist,
                "planned": num(base.makespan),
                "calibration": round(fc.factor, 4),
                "observed_efforts": len(observed),
                "p50": num(round(fc.p50, 3)),
                "p80": num(round(fc.p80, 3)),
                "p95": num(round(fc.p95, 3)),
                "mean": num(round(fc.mean, 3)),
                "days": {"p50": d(fc.p50), "p80": d(fc.p80), "p95": d(fc.p95)} if p.rate else None,
            },
        )
        return 0
    c = console()
    c.print(
        f"[bold]forecast[/] on {m} agent(s), {fc.runs} runs ({dist}), planned "
        f"{num(base.makespan)} {p.units}"
    )
    if observed:
        c.print(f"calibrated by {len(observed)} finished effort(s): x{fc.factor:.2f}")
    for name, v in (("P50", fc.p50), ("P80", fc.p80), ("P95", fc.p95)):
        c.print(f"  {name}: {num(round(v, 2 if v < 100 else 0))} {p.units}{_days(p, v)}")
    return 0
