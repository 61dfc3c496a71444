"""REST API under /api/v1: the CLI's `--json` documents, and the actions people and agents
take. Each route checks who is asking, calls one service function and returns its value."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query
from pydantic import BaseModel, Field

from phasegate.web.auth import Caller, context, person, reader, writer
from phasegate.web.context import WebContext
from phasegate.web.errors import HttpRefusal

router = APIRouter(prefix="/api/v1")

Ctx = Annotated[WebContext, Depends(context)]
Reader = Annotated[Caller | None, Depends(reader)]
Writer = Annotated[Caller, Depends(writer)]
Person = Annotated[Caller, Depends(person)]
Doc = dict[str, Any]


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


class AckBody(BaseModel):
    resolve: bool = False


class RoleBody(BaseModel):
    role: str = Field(min_length=1, max_length=200)


class AnswerBody(BaseModel):
    text: str = Field(min_length=1, max_length=20000)


class PauseBody(BaseModel):
    reason: str = Field(default="", max_length=4000)


@router.get("/status", summary="Where everything stands (= phasegate status --json)")
def status(ctx: Ctx, _who: Reader) -> Doc:
    from phasegate.service import queries

    with ctx.session() as s:
        return queries.status(s)


@router.get("/ready", summary="What can start now (= phasegate ready --json)")
def ready(ctx: Ctx, _who: Reader) -> Doc:
    from phasegate.service import queries

    with ctx.session() as s:
        return queries.ready(s)


@router.get("/log", summary="The event history (= phasegate log --json)")
def log(
    ctx: Ctx,
    _who: Reader,
    effort: str | None = None,
    kind: Annotated[list[str] | None, Query()] = None,
    last: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
) -> Doc:
    from phasegate.service import queries

    with ctx.session() as s:
        return queries.log(s, effort=effort, kinds=kind, last=last)


@router.get("/graph", summary="Dependency graph with live states")
def graph(ctx: Ctx, _who: Reader) -> Doc:
    from phasegate.service import dashboard

    with ctx.session() as s:
        return dashboard.graph(s)


@router.get("/timeline", summary="Planned schedule beside the attempts actually run")
def timeline(
    ctx: Ctx, _who: Reader, agents: Annotated[int | None, Query(ge=1, le=256)] = None
) -> Doc:
    from phasegate.service import dashboard

    loaded = ctx.loaded()
    with ctx.session() as s:
        return dashboard.timeline(s, loaded.plan, agents)


@router.get("/metrics", summary="Each plan metric over time, with its target")
def metrics(ctx: Ctx, _who: Reader) -> Doc:
    from phasegate.service import dashboard

    with ctx.session() as s:
        return dashboard.metric_series(s)


@router.get("/efforts/{effort}", summary="One effort in full")
def effort(ctx: Ctx, _who: Reader, effort: str) -> Doc:
    from phasegate.service import dashboard

    with ctx.session() as s:
        return dashboard.effort_detail(s, effort)


@router.get("/efforts/{effort}/brief", summary="The brief its agent gets")
def brief(ctx: Ctx, _who: Reader, effort: str) -> Doc:
    from phasegate.service import documents

    with ctx.session() as s:
        return documents.brief(s, effort)


@router.get("/phases/{phase}/gate", summary="A phase gate's evidence and requirements")
def gate(ctx: Ctx, _who: Reader, phase: str) -> Doc:
    from phasegate.service import dashboard

    with ctx.session() as s:
        return dashboard.gate_detail(s, phase)


@router.post("/efforts/{effort}/reports", status_code=201, summary="An agent's or person's report")
def post_report(ctx: Ctx, who: Writer, effort: str, body: Annotated[dict[str, Any], Body()]) -> Doc:
    """The body is what `phasegate report --json` reads on stdin. An agent may report only
    for its own effort, and only while its attempt is the current one."""
    import json

    from phasegate.service import reports

    if not who.may_act_on(effort):
        raise HttpRefusal(403, f"this token belongs to effort {who.effort}, not {effort}")
    raw, named, key = reports.parse_json(json.dumps(body))
    if named is not None and named != effort:
        raise HttpRefusal(422, f"the report names effort {named}, the address {effort}")
    with ctx.session() as s:
        done = reports.report(s, effort, raw, attempt=who.attempt, key=key)
    return {
        "schema": "phasegate.reported/1",
        "effort": done.effort,
        "event": done.seq,
        "duplicate": done.seq is None,
    }


@router.post("/blockers/{blocker}/ack", summary="Acknowledge a blocker (and resolve it)")
def ack(ctx: Ctx, who: Person, blocker: str, body: AckBody | None = None) -> Doc:
    from phasegate.service import blockers

    with ctx.session() as s:
        done = blockers.ack(s, blocker, by=who.name, resolve=bool(body and body.resolve))
    return done.to_json()


@router.post("/blockers/{blocker}/resolve", summary="Resolve a blocker")
def resolve(ctx: Ctx, who: Writer, blocker: str) -> Doc:
    from phasegate.service import blockers

    with ctx.session() as s:
        done = blockers.resolve_blocker(s, blocker, by=who.name, effort=who.effort)
    return done.to_json()


@router.post("/efforts/{effort}/approve", summary="Approve an effort in a reviewer role")
def approve(ctx: Ctx, who: Person, effort: str, body: RoleBody) -> Doc:
    from phasegate.service import reviews

    with ctx.session() as s:
        return reviews.approve(s, effort, role=body.role, by=who.name).to_json()


@router.post("/phases/{phase}/override", summary="Override a phase gate, with a reason")
def override(ctx: Ctx, who: Person, phase: str, body: Reason) -> Doc:
    from phasegate.service import phases

    return phases.override(ctx.loaded(), phase, reason=f"{body.reason} (by {who.name})", db=ctx.db)


@router.post("/efforts/{effort}/answer", summary="Answer an agent's question")
def answer(ctx: Ctx, who: Person, effort: str, body: AnswerBody) -> Doc:
    from phasegate.service import inputs

    with ctx.session() as s:
        return inputs.answer(s, effort, body.text, by=who.name).to_json()


@router.post("/run/pause", summary="Start no new agents until resumed")
def pause(ctx: Ctx, who: Person, body: PauseBody | None = None) -> Doc:
    from phasegate.service import control

    with ctx.session() as s:
        return control.pause(s, by=who.name, reason=body.reason if body else "")


@router.post("/run/resume", summary="Let the run start agents again")
def resume(ctx: Ctx, who: Person) -> Doc:
    from phasegate.service import control

    with ctx.session() as s:
        return control.resume(s, by=who.name)
