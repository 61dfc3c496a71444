"""phasegate check: validate the plan and summarise it."""

from __future__ import annotations

import sys

import typer

from phasegate.cli.common import EXAMPLE_PLAN, JsonOpt, PlanOpt, emit_json, example, num

ORDER = 10


def register(app: typer.Typer) -> None:
    @app.command(
        "check",
        help="Validate the plan: every error and warning, located, in one pass.",
        epilog=example(f"phasegate check -f {EXAMPLE_PLAN}", "phasegate check --strict --json"),
    )
    def check(
        plan: PlanOpt = None,
        strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.errors import PlanInvalid
        from phasegate.plan.load import load_plan

        try:
            loaded = load_plan(plan, strict=strict)
        except PlanInvalid as e:
            if as_json:
                emit_json("check", _report(False, e.diagnostics, {}))
                return 1
            raise
        p = loaded.plan
        g = loaded.graph
        summary = {
            "project": p.project,
            "efforts": len(p.efforts),
            "phases": len(p.phases),
            "dependencies": sum(len(e.depends_on) for e in p.efforts),
            "waves": len(g.waves()),
            "critical_path": num(g.analysis.length),
            "units": p.units,
        }
        if as_json:
            emit_json("check", _report(True, loaded.warnings, summary))
            return 0
        for w in loaded.warnings:
            print(w.render(), file=sys.stderr)
        print(
            f"{loaded.display}: ok: {summary['efforts']} efforts, {summary['phases']} phases, "
            f"{summary['dependencies']} dependencies, {summary['waves']} waves, "
            f"critical path {summary['critical_path']} {p.units}"
            + (f", {len(loaded.warnings)} warning(s)" if loaded.warnings else "")
        )
        return 0


def _report(ok: bool, diags: list, summary: dict) -> dict:  # type: ignore[type-arg]
    return {
        "ok": ok,
        "errors": [d.to_json() for d in diags if d.severity == "error"],
        "warnings": [d.to_json() for d in diags if d.severity == "warning"],
        "summary": summary,
    }
