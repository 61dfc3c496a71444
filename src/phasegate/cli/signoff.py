"""phasegate signoff: a person signs off one of a gate's criteria."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import DbOpt, JsonOpt, PlanOpt, example

ORDER = 75


def register(app: typer.Typer) -> None:
    @app.command(
        "signoff",
        help="Sign off a gate criterion (by its number or text); the gate needs every one.",
        epilog=example(
            "phasegate signoff p1 1 --as lead-developer -f examples/rig.yaml",
            'phasegate signoff p1 "test suite" --as qa-engineer --note "ran on 3 OSes"',
        ),
    )
    def signoff(
        phase: Annotated[str, typer.Argument(help="Phase id.")],
        criterion: Annotated[str, typer.Argument(help="The criterion's number or text.")],
        role: Annotated[str, typer.Option("--as", help="The role you sign as.")],
        note: Annotated[str, typer.Option("--note", help="What you checked.")] = "",
        by: Annotated[str | None, typer.Option(help="Who signs (default $USER).")] = None,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import emit_json
        from phasegate.service.signoff import sign
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            done = sign(s, phase, criterion, role=role, by=by or actor(), note=note)
        if as_json:
            emit_json("signoff", done.to_json())
            return 0
        so = done.signoff
        again = "" if done.recorded else " (already recorded)"
        print(
            f"phase {done.phase}: criterion {so.number} signed off as {so.role} by {so.by}{again}"
        )
        print(f"  {so.criterion}")
        if done.unsigned:
            print(f"still unsigned: {len(done.unsigned)} criterion(s)")
        return 0
