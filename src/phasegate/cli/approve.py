"""phasegate approve: a reviewer's sign-off on an effort."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, PlanOpt, example

ORDER = 74


def register(app: typer.Typer) -> None:
    @app.command(
        "approve",
        help="Approve an effort in a reviewer role (checked against its reviewers).",
        epilog=example(f"phasegate approve 8.1.1 --as kernel-lead -f {EXAMPLE_PLAN}"),
    )
    def approve(
        effort: Annotated[str, typer.Argument(help="Effort id.")],
        role: Annotated[str, typer.Option("--as", help="The reviewer role you approve as.")],
        by: Annotated[str | None, typer.Option(help="Who approves (default $USER).")] = None,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.errors import InputError
        from phasegate.tracking.reports import effort_facts
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            f = effort_facts(s.facts, effort)
            phase = next((p for p in s.facts.phases if p.id == f.phase), None)
            allowed = list(dict.fromkeys([*f.reviewers, *(phase.approvals if phase else [])]))
            if role not in allowed:
                known = ", ".join(allowed) or "none declared"
                raise InputError(
                    f"{role!r} is not a reviewer of effort {f.id} (reviewers: {known})"
                )
            who = by or actor()
            ev = s.store.append(
                "approval",
                effort=f.id,
                data={"role": role, "by": who},
                key=f"approval:{f.id}:{role}:{who}",
            )
            have = sorted(s.store.approvals().get(f.id, set()))
        if ev is None:
            print(f"{f.id} already approved as {role} by {who}")
        else:
            print(f"{f.id} approved as {role} by {who}")
        missing = [r for r in f.reviewers if r not in have]
        if missing:
            print(f"still waiting for: {', '.join(missing)}")
        return 0
