"""phasegate store: moving a plan's history between stores."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import JsonOpt, example

ORDER = 95


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="The state store: copy a plan's history between stores.",
        epilog=example("phasegate store copy --from .phasegate/state.db --to postgresql://db/plan"),
    )
    app.add_typer(group, name="store")

    @group.command(
        "copy",
        help="Copy every event into an empty store (SQLite or PostgreSQL), verified one by one.",
        epilog=example(
            "phasegate store copy --from .phasegate/state.db --to postgresql://ci@db/plan",
            "phasegate store copy --from postgresql://ci@db/plan --to backup.db",
        ),
    )
    def copy(
        source: Annotated[str, typer.Option("--from", help="The store to read.")],
        target: Annotated[str, typer.Option("--to", help="The empty store to fill.")],
        as_json: JsonOpt = False,
    ) -> int:
        from pathlib import Path

        from phasegate.cli.common import emit_json
        from phasegate.store.copy import copy_store

        done = copy_store(source, target, state_dir=Path(".phasegate"))
        if as_json:
            emit_json(
                "store-copy",
                {"events": done.events, "last_seq": done.last_seq, "from": done.source,
                 "to": done.target},
            )  # fmt: skip
        else:
            print(
                f"copied {done.events} event(s) from {done.source} to {done.target}; "
                "every event verified"
            )
        return 0
