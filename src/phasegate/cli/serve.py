"""phasegate serve: the live web view and REST API over the plan's state."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import DbOpt, PlanOpt, example

ORDER = 78


def register(app: typer.Typer) -> None:
    @app.command(
        "serve",
        help="Serve the live dashboard and the REST API (/api/v1, OpenAPI at /docs).",
        epilog=example(
            "phasegate serve -f examples/kcp-phase8.yaml",
            "phasegate serve --host 0.0.0.0 --token-file ~/.phasegate-token --allow-host lead.lan",
        ),
    )
    def serve(
        plan: PlanOpt = None,
        db: DbOpt = None,
        host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8765,
        token: Annotated[
            str | None, typer.Option(help="People token (default: a generated one in .phasegate/).")
        ] = None,
        token_file: Annotated[
            str | None, typer.Option("--token-file", help="Read the people token from a file.")
        ] = None,
        allow_host: Annotated[
            list[str] | None,
            typer.Option("--allow-host", help="Another Host name this server answers to."),
        ] = None,
    ) -> int:
        from phasegate.web.server import ServeOptions
        from phasegate.web.server import serve as run_server

        run_server(ServeOptions(plan, db, host, port, token, token_file, tuple(allow_host or ())))
        return 0
