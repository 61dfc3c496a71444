"""Markdown documents from Jinja2 templates a user can override.

Templates are looked up in order: `--templates DIR`, `.phasegate/templates/` beside the
plan, then the ones shipped in phasegate/templates/ (`<kind>.md.j2`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from phasegate.errors import UsageError
from phasegate.plan.model import Plan
from phasegate.store.types import Store
from phasegate.tracking import documents as docs
from phasegate.tracking.facts import PlanFacts
from phasegate.tracking.status import DAY, snapshot

PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
WINDOWS = {"daily": DAY, "weekly": 7 * DAY}


def template_dirs(plan_path: Path, override: str | None) -> list[Path]:
    dirs: list[Path] = []
    if override:
        d = Path(override)
        if not d.is_dir():
            raise UsageError(f"--templates {override}: not a directory")
        dirs.append(d)
    local = plan_path.parent / ".phasegate" / "templates"
    if local.is_dir():
        dirs.append(local)
    dirs.append(PACKAGE_TEMPLATES)
    return dirs


def render_template(kind: str, context: dict[str, Any], dirs: list[Path]) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in dirs]),
        undefined=jinja2.StrictUndefined,  # a typo in a template fails loudly, not silently
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # markdown, not HTML
    )
    name = f"{kind}.md.j2"
    template: jinja2.Template | None = None
    try:
        template = env.get_template(name)
        text = template.render(**context)
        return text.rstrip("\n") + "\n"
    except jinja2.TemplateError as e:
        where = f" (line {e.lineno})" if isinstance(e, jinja2.TemplateSyntaxError) else ""
        raise UsageError(f"template {name}{where}: {e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"template {name}: not UTF-8 text") from None
    except (ArithmeticError, LookupError, TypeError, ValueError, AttributeError) as e:
        # A user's template can fail at render time like any program; phasegate's own
        # templates failing that way is a bug, and surfaces as one.
        source = Path(template.filename or "") if template is not None else PACKAGE_TEMPLATES
        if PACKAGE_TEMPLATES in source.parents:
            raise
        raise UsageError(f"template {source}: {type(e).__name__}: {e}") from None


def timeline(plan: Plan, facts: PlanFacts) -> dict[str, Any]:
    """The execution timeline: a list schedule for the plan's agent count, by half-days."""
    from phasegate.schedule.calendar import half_days
    from phasegate.schedule.planned import schedule

    agents = max(1, plan.agents.max)
    s = schedule(plan, agents)
    out: dict[str, Any] = {
        "source": "schedule",
        "agents": agents,
        "makespan": s.makespan,
        "lower_bound": s.lower_bound,
        "optimal": s.optimal,
        "slots": [
            {"effort": x.effort, "title": x.title, "agent": x.agent, "start": x.start, "end": x.end}
            for x in s.slots
        ],
        "rows": [],
    }
    if plan.rate:
        out["rows"] = [
            {"label": r.label, "cells": r.cells}
            for r in half_days(s.slots, agents, plan.rate, plan.units)
        ]
        out["makespan_days"] = s.makespan / plan.rate
    wave_of = {e.id: e.wave for e in facts.efforts}
    for row in out["slots"]:
        row["wave"] = wave_of.get(row["effort"])
    return out


def build_context(
    kind: str, plan: Plan, facts: PlanFacts, store: Store, now: float | None = None
) -> dict[str, Any]:
    if kind not in docs.KINDS:
        raise UsageError(f"unknown document kind {kind!r}: use one of {', '.join(docs.KINDS)}")
    at = time.time() if now is None else now
    snap = snapshot(store, at)
    window = WINDOWS.get(kind, 0.0)
    events = store.events(kinds=["effort.state", "report", "check.result"]) if window else []
    checks = store.check_results()
    notes = {e.id: store.notes(e.id) for e in facts.efforts} if kind == "handoff" else {}
    signed: dict[str, dict[str, Any]] = {}
    contracts: dict[tuple[str, str], bool | None] = {}
    if kind == "handoff":
        from phasegate.contracts.record import standings
        from phasegate.tracking.signoff import signoffs

        signed = {p.id: dict(signoffs(p.id, p.criteria, store)) for p in facts.phases}
        contracts = {k: s.ok for k, s in standings(store).items()}
    d = docs.DocInput(plan, facts, snap, events, checks, notes, window, signed, contracts=contracts)
    if kind == "status":
        return docs.status_doc(d)
    if kind == "daily":
        return {**docs.daily_doc(d), **_outlook(facts, store, at, process=False)}
    if kind == "weekly":
        return {**docs.weekly_doc(d), **_outlook(facts, store, at, process=True)}
    if kind == "handoff":
        return docs.handoff_doc(d)
    from phasegate.plangraph import PlanGraph
    from phasegate.report.graphs import mermaid

    return docs.wave_plan_doc(d, mermaid(plan, PlanGraph.of(plan)), timeline(plan, facts))


def _outlook(facts: PlanFacts, store: Store, now: float, *, process: bool) -> dict[str, Any]:
    """The re-forecast (and the process metrics) as lines for the daily and weekly documents."""
    from phasegate.report.forecast_text import lines as forecast_lines
    from phasegate.service.forecast import status_forecast

    fc = status_forecast(facts, store, now)
    out: dict[str, Any] = {"reforecast": forecast_lines(fc) if fc else []}
    if process:
        from phasegate.service.process import process as process_metrics
        from phasegate.tracking.process import lines

        out["process"] = lines(process_metrics(facts, store))
    return out


def render(
    kind: str,
    plan: Plan,
    facts: PlanFacts,
    store: Store,
    plan_path: Path,
    *,
    templates: str | None = None,
    now: float | None = None,
) -> str:
    ctx = build_context(kind, plan, facts, store, now)
    return render_template(kind, ctx, template_dirs(plan_path, templates))
