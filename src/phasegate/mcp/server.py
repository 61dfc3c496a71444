"""The MCP server: one tool per thing an agent may ask of phasegate, scoped to the caller.

Over stdio the caller is the agent the environment names; over HTTP it is the attempt whose
bearer token came with the request. Every answer is the service layer's JSON document, as
structured content and as text; every refusal is a tool error carrying the message the
command line prints. Reports arriving together are stored in one transaction (one sync to
disk, taken off the event loop) by `service.writer`, which is what lets one server take
hundreds of agents reporting at once.
"""

# No `from __future__ import annotations`: the SDK reads the tools' annotations at runtime.

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from mcp_types import CallToolResult, TextContent

from phasegate.errors import PhasegateError
from phasegate.service import blockers, callers, documents, inputs, queries, reports, reviews
from phasegate.service.callers import Caller
from phasegate.service.common import num
from phasegate.service.writer import BatchWriter
from phasegate.store.types import Event
from phasegate.tracking.session import Session

if TYPE_CHECKING:
    from phasegate.plan.load import LoadedPlan

INSTRUCTIONS = (
    "phasegate runs this project's plan. You are the agent of one effort: read your brief "
    "(get_brief), report progress as you go (report_progress: deliverables done, percent, "
    "metrics, a handoff note; send an idempotency key so a retried call is stored once), "
    "raise a blocker when stuck, and ask a person (ask) when only a person can decide."
)
# Below the SDK client's default read timeout (300 s), so a waiting call is answered before
# the client gives up on it; an agent that wants to wait longer asks again with its key.
MAX_WAIT = 270.0


@dataclass
class Backend:
    """What every tool call shares: the plan's session, how callers are known, the writer."""

    session: Session
    db: str | None
    caller_of: Callable[[Context], Caller]
    poll: float = 0.25
    _writer: BatchWriter | None = field(default=None, repr=False)
    _plan: "LoadedPlan | None" = field(default=None, repr=False)

    async def write(self, item: dict[str, Any]) -> Event | None:
        if self._writer is None:
            self._writer = BatchWriter(self.session.store)
        return await self._writer.write(item)

    def loaded(self) -> "LoadedPlan":
        if self._plan is None:
            from phasegate.plan.load import load_plan

            self._plan = load_plan(str(self.session.plan_path))
        return self._plan


def _ok(doc: dict[str, Any]) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=json.dumps(doc, default=str))],
        structured_content=doc,
    )


def _refused(e: PhasegateError) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text="\n".join(e.lines()))], is_error=True
    )


def stdio_caller(_ctx: Context) -> Caller:
    return callers.from_env()


def http_caller(session: Session) -> Callable[[Context], Caller]:
    known: dict[str, Caller] = {}  # a verified token stays valid: tokens are never reissued

    def caller(ctx: Context) -> Caller:
        header = (ctx.headers or {}).get("authorization")
        if header and header in known:
            return known[header]
        found = callers.from_token(session.store, header)
        if header:
            known[header] = found
        return found

    return caller


def build(backend: Backend, *, quiet: bool = False) -> MCPServer:
    app = MCPServer(
        name="phasegate", instructions=INSTRUCTIONS, log_level="WARNING" if quiet else "INFO"
    )
    s = backend.session

    @app.tool(description="Your brief: objective, deliverables, files in scope, handoffs, checks.")
    async def get_brief(ctx: Context) -> CallToolResult:
        try:
            me = backend.caller_of(ctx)
            return _ok(documents.brief(s, me.effort, me.attempt))
        except PhasegateError as e:
            return _refused(e)

    @app.tool(
        description="Report progress: deliverables done (name or number), percent done, "
        "metrics {name: value}, a handoff note for dependent efforts, cost and tokens. "
        "A report with a key already stored changes nothing."
    )
    async def report_progress(
        ctx: Context,
        tasks_done: list[str] | None = None,
        progress: float | None = None,
        metrics: dict[str, float] | None = None,
        note: str | None = None,
        cost: float | None = None,
        tokens: int | None = None,
        key: str | None = None,
    ) -> CallToolResult:
        try:
            me = backend.caller_of(ctx)
            raw = reports.raw_report(
                tasks_done=tasks_done,
                progress=None if progress is None else str(num(progress)),
                metrics=[f"{k}={v}" for k, v in (metrics or {}).items()],
                note=note,
                cost=None if cost is None else str(cost),
                tokens=None if tokens is None else str(tokens),
            )
            item = reports.prepare(s, me.effort, raw, attempt=me.attempt, key=key)
            ev = await backend.write(item)
            return _ok(reports.result(item, ev).to_json())
        except PhasegateError as e:
            return _refused(e)

    @app.tool(description="Raise a blocker on your effort: what stops you, and how badly.")
    async def raise_blocker(
        ctx: Context, text: str, severity: str = "high", key: str | None = None
    ) -> CallToolResult:
        try:
            me = backend.caller_of(ctx)
            raw = reports.raw_report(blockers=[text], severity=severity)
            item = reports.prepare(s, me.effort, raw, attempt=me.attempt, key=key)
            ev = await backend.write(item)
            doc = reports.result(item, ev).to_json()
            doc["blockers"] = [
                b.to_json() for b in s.store.blockers() if b.effort == me.effort and b.open
            ]
            return _ok(doc)
        except PhasegateError as e:
            return _refused(e)

    @app.tool(description="Mark one of your effort's blockers (B3) resolved.")
    async def resolve_blocker(ctx: Context, blocker: str) -> CallToolResult:
        try:
            me = backend.caller_of(ctx)
            me.check_current(s.store)
            done = blockers.resolve_blocker(s, blocker, by=f"agent {me.effort}", effort=me.effort)
            return _ok(done.to_json())
        except PhasegateError as e:
            return _refused(e)

    @app.tool(description="Handoff notes and states of the efforts yours depends on.")
    async def handoff_notes(ctx: Context) -> CallToolResult:
        try:
            return _ok(queries.handoff_notes(s, backend.caller_of(ctx).effort))
        except PhasegateError as e:
            return _refused(e)

    @app.tool(
        description="Conflicts that concern your branch: predicted from the plan, found by "
        "trial merges with the other live branches, and your changes outside your scope."
    )
    async def my_conflicts(ctx: Context) -> CallToolResult:
        from phasegate.service.conflicts import effort_conflicts

        try:
            me = backend.caller_of(ctx)
            loaded = backend.loaded()
            doc = await anyio.to_thread.run_sync(
                lambda: effort_conflicts(loaded, me.effort, db=backend.db)
            )
            return _ok(doc)
        except PhasegateError as e:
            return _refused(e)

    @app.tool(description="Efforts that can start now, in dispatch order, and what others wait on.")
    async def ready_work(ctx: Context) -> CallToolResult:
        try:
            backend.caller_of(ctx)
            return _ok(queries.ready(s))
        except PhasegateError as e:
            return _refused(e)

    @app.tool(description="Where the whole plan stands: phases, efforts, blockers, metrics.")
    async def status(ctx: Context) -> CallToolResult:
        try:
            backend.caller_of(ctx)
            return _ok(queries.status(s))
        except PhasegateError as e:
            return _refused(e)

    @app.tool(
        description="Ask a person a question and wait (up to timeout seconds, at most 270) "
        "for the answer. Asking again with the same key waits for the same question; an "
        "answer that comes after you exit is in your next attempt's brief."
    )
    async def ask(
        ctx: Context, question: str, timeout: float = MAX_WAIT, key: str | None = None
    ) -> CallToolResult:
        try:
            me = backend.caller_of(ctx)
            me.check_current(s.store)
            q = inputs.ask(
                s, me.effort, question, by=f"agent {me.effort}", attempt=me.attempt, key=key
            )
            with anyio.move_on_after(min(max(0.0, timeout), MAX_WAIT)):
                while q.open:
                    await anyio.sleep(backend.poll)
                    q = inputs.find(s.store, me.effort, q.id)
            return _ok(q.to_json())
        except PhasegateError as e:
            return _refused(e)

    @app.tool(
        description="Ask your effort's reviewers to review the work; lists missing approvals."
    )
    async def request_review(
        ctx: Context, note: str = "", key: str | None = None
    ) -> CallToolResult:
        try:
            me = backend.caller_of(ctx)
            me.check_current(s.store)
            return _ok(
                reviews.request_review(
                    s, me.effort, note=note, attempt=me.attempt, key=key
                ).to_json()
            )
        except PhasegateError as e:
            return _refused(e)

    @app.resource(
        "phasegate://brief/{effort}",
        name="brief",
        description="The brief of your effort's current attempt, as markdown.",
        mime_type="text/markdown",
    )
    def brief_resource(effort: str, ctx: Context) -> str:
        try:
            me = backend.caller_of(ctx)
            doc = documents.brief(s, me.own(effort), me.attempt)
        except PhasegateError as e:
            raise ResourceError("\n".join(e.lines())) from None
        return str(doc["text"])

    return app
