"""phasegate mcp: the MCP server agents use, over stdio or streamable HTTP."""

from __future__ import annotations

from typing import Annotated

import typer

from phasegate.cli.common import DbOpt, PlanOpt, example

ORDER = 66


def register(app: typer.Typer) -> None:
    @app.command(
        "mcp",
        help="Serve MCP tools to agents: over stdio (the agent starts it) or HTTP (--http).",
        epilog=example(
            "phasegate mcp            # stdio; effort and attempt from the environment",
            "phasegate mcp --http 127.0.0.1:8765   # agents send Bearer $PHASEGATE_TOKEN",
        ),
    )
    def mcp(
        http: Annotated[
            str | None,
            typer.Option(help="Serve streamable HTTP at HOST:PORT (path /mcp) instead of stdio."),
        ] = None,
        plan: PlanOpt = None,
        db: DbOpt = None,
    ) -> int:
        from phasegate.mcp.run import serve_http, serve_stdio

        if http is None:
            serve_stdio(plan, db)
        else:
            serve_http(plan, db, http)
        return 0
