"""Starting the MCP server on a transport; the one place that imports the SDK's runners."""

from __future__ import annotations

import sys

from phasegate.errors import UsageError

HTTP_PATH = "/mcp"
KEEP_ALIVE_S = 600


def _sdk() -> None:
    try:
        import mcp.server.mcpserver  # noqa: F401
    except ImportError:
        raise UsageError(
            "the MCP server needs the 'mcp' package: pip install 'phasegate[mcp]'"
        ) from None


def serve_stdio(plan: str | None, db: str | None) -> None:
    """Serve the agent the environment names (PHASEGATE_EFFORT, PHASEGATE_ATTEMPT)."""
    _sdk()
    from phasegate.mcp.server import Backend, build, stdio_caller
    from phasegate.service import callers
    from phasegate.tracking.session import open_session

    callers.from_env()  # refuse to start for nobody, before the agent's first call
    with open_session(plan, db) as s:
        build(Backend(s, db, stdio_caller), quiet=True).run("stdio")


def address(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"--http {text!r}: expected HOST:PORT, e.g. 127.0.0.1:8765")
    return host.strip("[]"), int(port)


def serve_http(plan: str | None, db: str | None, where: str) -> None:
    """Serve every agent of the plan over streamable HTTP; each request carries its
    attempt's bearer token."""
    host, port = address(where)
    _sdk()
    import anyio
    import uvicorn

    from phasegate.mcp.server import Backend, build, http_caller
    from phasegate.tracking.session import open_session

    with open_session(plan, db) as s:
        app = build(Backend(s, db, http_caller(s)), quiet=True)
        # JSON answers and no server-side sessions: every call is one request, with nothing
        # kept per client between calls, so hundreds of agents cost no memory while idle.
        asgi = app.streamable_http_app(
            streamable_http_path=HTTP_PATH, json_response=True, stateless_http=True, host=host
        )
        # Agents keep a connection open between reports that can be minutes apart; closing
        # it after uvicorn's default 5 s races with the agent's next request on it.
        config = uvicorn.Config(
            asgi, host=host, port=port, log_level="warning", timeout_keep_alive=KEEP_ALIVE_S
        )
        print(f"phasegate mcp: serving http://{host}:{port}{HTTP_PATH}", file=sys.stderr)
        sys.stderr.flush()
        anyio.run(uvicorn.Server(config).serve)
