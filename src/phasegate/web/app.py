"""The FastAPI application: routers, static files, the guard, and the one error handler."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from phasegate.errors import PhasegateError
from phasegate.web.context import WebContext
from phasegate.web.errors import HttpRefusal, message_of, status_of

STATIC = Path(__file__).parent / "static"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class GuardMiddleware:
    """Host allow-list on every request and Origin on every write, before any routing."""

    def __init__(self, app: ASGIApp, ctx: WebContext) -> None:
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
            refusal: tuple[int, str] | None = None
            if not self.ctx.guard.host_ok(headers.get("host")):
                refusal = (400, "this server does not answer to that Host name")
            elif scope["method"] in _WRITES and not self.ctx.guard.origin_ok(headers.get("origin")):
                refusal = (403, "a request from another site's page is refused")
            if refusal is not None:
                r = JSONResponse({"error": refusal[1], "status": refusal[0]}, refusal[0])
                await r(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/events")) and "text/html" in (
        request.headers.get("accept", "")
    )


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_html(request):
        from html import escape

        body = f"<!doctype html><title>{status}</title><p>{escape(message)}</p><p><a href='/'>back</a></p>"
        return HTMLResponse(body, status)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": message, "status": status}, status, headers=headers)


def create_app(ctx: WebContext) -> FastAPI:
    from phasegate.web import api, events, pages

    app = FastAPI(
        title="phasegate",
        summary="The live state of a phasegate plan, and the actions people and agents take.",
        version="1",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.ctx = ctx
    app.add_middleware(GuardMiddleware, ctx=ctx)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(events.router)
    app.include_router(pages.router)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(PhasegateError)
    def phasegate_error(request: Request, e: PhasegateError) -> Response:
        return _error(request, status_of(e), message_of(e))

    @app.exception_handler(HttpRefusal)
    def refusal(request: Request, e: HttpRefusal) -> Response:
        return _error(request, e.status, str(e))

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, e: RequestValidationError) -> Response:
        first = e.errors()[0] if e.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return _error(request, 422, f"{where}: {first.get('msg', 'invalid request')}")

    return app
