"""phasegate worker: run attempts handed out through Temporal, on this machine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from phasegate.cli.common import DbOpt, example

ORDER = 79


def register(app: typer.Typer) -> None:
    @app.command(
        "worker",
        help="Run the attempts of plans using executor temporal that reach this queue.",
        epilog=example(
            "phasegate worker --temporal 10.0.0.5:7233 --queue gpu --slots 2 "
            "--repo-cache ~/.cache/phasegate --db postgresql://phasegate@db/phasegate"
        ),
    )
    def worker(
        temporal: Annotated[
            str, typer.Option("--temporal", help="Temporal frontend HOST:PORT.")
        ] = "127.0.0.1:7233",
        namespace: Annotated[str, typer.Option(help="Temporal namespace.")] = "default",
        queue: Annotated[
            str, typer.Option(help="Task queue: an effort's runs_on label, or the plan's default.")
        ] = "phasegate",
        slots: Annotated[int, typer.Option(help="Attempts at once on this machine.")] = 1,
        repo_cache: Annotated[
            Path,
            typer.Option("--repo-cache", help="Where clones, worktrees and agents' logs live."),
        ] = Path(".phasegate-worker"),
        name: Annotated[
            str, typer.Option(help="How status names this worker (default host:pid).")
        ] = "",
        db: DbOpt = None,
    ) -> int:
        from phasegate.executors.worker import WorkerConfig, main

        cfg = WorkerConfig(temporal, namespace, queue, slots, repo_cache.resolve(), db, name)
        main(cfg)
