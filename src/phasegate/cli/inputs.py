"""phasegate ask | answer: an agent asks a person a question; the person answers it."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import EXAMPLE_PLAN, DbOpt, JsonOpt, PlanOpt, example

ORDER = 61


def register(app: typer.Typer) -> None:
    @app.command(
        "ask",
        help="Ask a person a question (as the agent of $PHASEGATE_EFFORT); waits for the answer.",
        epilog=example(
            'phasegate ask "Which API version should the client target?"',
            'phasegate ask --effort 8.1.1 --wait 0 "Is the test cluster coming back?"',
        ),
    )
    def ask(
        question: Annotated[str, typer.Argument(help="The question.")],
        effort: Annotated[
            str | None,
            typer.Option(envvar="PHASEGATE_EFFORT", help="Effort id (default $PHASEGATE_EFFORT)."),
        ] = None,
        wait: Annotated[
            float, typer.Option(help="Seconds to wait for the answer (0: do not wait).")
        ] = 600.0,
        key: Annotated[
            str | None, typer.Option(help="Idempotency key: asking again waits for the same one.")
        ] = None,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import print_json
        from phasegate.service import inputs
        from phasegate.tracking.session import actor, env_attempt, open_session

        with open_session(plan, db) as s:
            q = inputs.ask(s, effort, question, by=actor(), attempt=env_attempt(), key=key)
            if not as_json:
                print(f"{q.id} asked for {q.effort}; answer with: phasegate answer {q.effort} TEXT")
            q = inputs.wait(s, q, timeout=wait)
        if as_json:
            print_json(q.to_json())
        elif q.answer is not None:
            print(q.answer)
        elif wait > 0:
            print(f"no answer to {q.id} yet; it will be in the brief of the effort's next attempt")
        return 0 if q.answer is not None or wait <= 0 else 1

    @app.command(
        "answer",
        help="Answer an effort's open question (its oldest, or --question ID).",
        epilog=example(f'phasegate answer 8.1.1 "Target v2; v1 is frozen." -f {EXAMPLE_PLAN}'),
    )
    def answer(
        effort: Annotated[str, typer.Argument(help="Effort id.")],
        text: Annotated[str, typer.Argument(help="The answer.")],
        question: Annotated[
            str | None, typer.Option("--question", "-q", help="Which question (Q12).")
        ] = None,
        plan: PlanOpt = None,
        db: DbOpt = None,
        as_json: JsonOpt = False,
    ) -> int:
        from phasegate.cli.common import print_json
        from phasegate.service import inputs
        from phasegate.tracking.session import actor, open_session

        with open_session(plan, db) as s:
            q = inputs.answer(s, effort, text, by=actor(), question=question)
        if as_json:
            print_json(q.to_json())
        else:
            print(f"{q.id} of {q.effort} answered (it waited {q.waited(q.answered_at or 0):.0f}s)")
        return 0
