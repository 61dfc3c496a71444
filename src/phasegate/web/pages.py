"""Server-rendered pages. Each page is a base with one live fragment: a request carrying
`X-Fragment: 1` gets the fragment alone, which is how the page redraws itself as events
arrive without a reload."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from phasegate.web.auth import Caller, context, form_person, reader
from phasegate.web.context import WebContext
from phasegate.web.errors import HttpRefusal
from phasegate.web.security import SESSION_COOKIE

router = APIRouter(include_in_schema=False)

Ctx = Annotated[WebContext, Depends(context)]
Reader = Annotated[Caller | None, Depends(reader)]
FormPerson = Annotated[Caller, Depends(form_person)]


def _templates() -> Any:
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(
        loader=PackageLoader("phasegate.web", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=False,
    )
    env.filters["clock"] = lambda ts: time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts))
    env.filters["urlencode"] = lambda s: quote(str(s), safe="")
    return env


_ENV: Any = None


def render(
    request: Request,
    ctx: WebContext,
    fragment: str,
    title: str,
    here: str,
    *,
    live: bool = True,
    **values: Any,
) -> HTMLResponse:
    global _ENV
    if _ENV is None:
        _ENV = _templates()
    signed_in = ctx.guard.session_ok(request.cookies.get(SESSION_COOKIE))
    common = {
        "signed_in": signed_in,
        "csrf": ctx.guard.csrf_token() if signed_in else "",
        "flash": request.query_params.get("flash", "")[:300],
        "flash_bad": request.query_params.get("bad") == "1",
    }
    if request.headers.get("x-fragment") == "1":
        html = _ENV.get_template(fragment).render(**common, **values)
    else:
        html = _ENV.get_template("base.html.j2").render(
            fragment=fragment,
            title=title,
            here=here,
            live_url=request.url.path if live else None,
            **common,
            **values,
        )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


def _seq(ctx: WebContext) -> int:
    with ctx.session() as s:
        return s.store.last_seq()


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, ctx: Ctx, _who: Reader) -> HTMLResponse:
    from phasegate.service import queries

    with ctx.session() as s:
        seq = s.store.last_seq()
        st = queries.status(s)
    cost = st.get("costs") or {}
    total = cost.get("total", sum(e.get("cost") or 0.0 for e in st["efforts"]))
    return render(
        request,
        ctx,
        "_overview.html.j2",
        "Overview",
        "/",
        project=st["project"],
        seq=seq,
        st=st,
        cp={**st["critical_path"], "units": st["units"]},
        cost={"total": total, "budget": cost.get("budget")},
        pause=st["pause"],
        fc=st.get("forecast"),
        waiting=[
            {"effort": e["id"], "question": q["question"], "asked_at": q["since"]}
            for e in st["efforts"]
            if (q := e.get("waiting_for_input"))
        ],
    )


@router.get("/graph", response_class=HTMLResponse)
def graph(request: Request, ctx: Ctx, _who: Reader) -> HTMLResponse:
    from phasegate.report.svg_graph import columns_of, dependency_svg
    from phasegate.service import dashboard

    with ctx.session() as s:
        seq = s.store.last_seq()
        g = dashboard.graph(s)
        project = s.facts.project
    hrefs = {e: f"/efforts/{quote(e, safe='')}" for wave in g["waves"] for e in wave}
    cols, heads = columns_of(g["waves"], g["externals"], g["titles"], g["states"], hrefs)
    svg = dependency_svg(cols, [tuple(x) for x in g["edges"]], g["critical_path"], headings=heads)
    return render(
        request, ctx, "_graph.html.j2", "Graph", "/graph", project=project, seq=seq, svg=svg
    )


@router.get("/gantt", response_class=HTMLResponse)
def gantt(request: Request, ctx: Ctx, _who: Reader) -> HTMLResponse:
    from phasegate.report.svg_gantt import Bar, Panel, gantt_svg
    from phasegate.service import dashboard

    loaded = ctx.loaded()
    with ctx.session() as s:
        seq = s.store.last_seq()
        tl = dashboard.timeline(s, loaded.plan)
        states = {k: v.state for k, v in s.store.efforts().items()}
    href = {x["effort"]: f"/efforts/{quote(x['effort'], safe='')}" for x in tl["planned"]["slots"]}
    planned = Panel(
        f"planned for {tl['agents']} agent(s)",
        [f"agent {k}" for k in range(1, tl["agents"] + 1)],
        [
            Bar(
                x["agent"] - 1,
                x["start"],
                x["end"],
                x["effort"],
                states.get(x["effort"], "pending"),
                href.get(x["effort"]),
            )
            for x in tl["planned"]["slots"]
        ],
        tl["units"],
    )
    act = tl["actual"]
    t0 = act["started_at"] or act["now"]
    live = any(a["running"] for a in act["attempts"])
    last = max((a["end"] for a in act["attempts"]), default=t0)
    actual = Panel(
        "actual attempts",
        [f"slot {k}" for k in range(1, act["slots"] + 1)],
        [
            Bar(
                a["slot"] - 1,
                a["start"] - t0,
                a["end"] - t0,
                f"{a['effort']} #{a['attempt']}",
                a["state"],
                href.get(a["effort"]),
            )
            for a in act["attempts"]
        ],
        "s",
        # Now is drawn while agents work; after the run it would only stretch the axis.
        marker=(act["now"] - t0, "now") if live else None,
        notes=[f"{len(act['attempts'])} attempt(s) over {last - t0:.1f} s of wall-clock time"],
    )
    return render(
        request,
        ctx,
        "_gantt.html.j2",
        "Gantt",
        "/gantt",
        project=loaded.plan.project,
        seq=seq,
        tl=tl,
        svg=gantt_svg([planned, actual]),
    )


@router.get("/metrics", response_class=HTMLResponse)
def metrics(request: Request, ctx: Ctx, _who: Reader) -> HTMLResponse:
    from phasegate.plan.expr import ExprError, parse_threshold
    from phasegate.report.svg_chart import MAX_POINTS, line_chart_svg
    from phasegate.service import dashboard
    from phasegate.service.process import process

    with ctx.session() as s:
        seq = s.store.last_seq()
        series = dashboard.metric_series(s, max_points=MAX_POINTS)
        project = s.facts.project
        proc = process(s.facts, s.store)
    charts = []
    for m in series["metrics"]:
        target = None
        if m["target"]:
            try:
                target = parse_threshold(m["target"]).value
            except ExprError:  # a target that is not one threshold is shown as text only
                target = None
        pts = [(p["ts"], p["value"]) for p in m["points"]]
        charts.append(
            {
                "id": m["id"],
                "svg": line_chart_svg(
                    f"{m['id']}: {m['title']}",
                    pts,
                    target=target,
                    target_label=f"target {m['target']}" if m["target"] else "",
                    unit=m["unit"] or "",
                ),
            }
        )
    return render(
        request,
        ctx,
        "_metrics.html.j2",
        "Metrics",
        "/metrics",
        project=project,
        seq=seq,
        charts=charts,
        proc=proc,
    )


@router.get("/efforts/{effort}", response_class=HTMLResponse)
def effort(request: Request, ctx: Ctx, _who: Reader, effort: str) -> HTMLResponse:
    from phasegate.service import dashboard, documents

    with ctx.session() as s:
        seq = s.store.last_seq()
        d = dashboard.effort_detail(s, effort)
        brief = documents.brief(s, effort).get("text", "")
        project = s.facts.project
        question = dashboard.open_question(s, effort)
    return render(
        request,
        ctx,
        "_effort.html.j2",
        effort,
        "",
        project=project,
        seq=seq,
        d=d,
        brief=brief,
        question=question,
    )


@router.get("/phases/{phase}", response_class=HTMLResponse)
def phase(request: Request, ctx: Ctx, _who: Reader, phase: str) -> HTMLResponse:
    from phasegate.service import dashboard
    from phasegate.service.signoff import criteria_status

    with ctx.session() as s:
        seq = s.store.last_seq()
        d = dashboard.gate_detail(s, phase)
        criteria = criteria_status(s, phase)
        project = s.facts.project
    return render(
        request,
        ctx,
        "_gate.html.j2",
        f"gate {phase}",
        "",
        project=project,
        seq=seq,
        d=d,
        criteria=criteria,
    )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, ctx: Ctx) -> HTMLResponse:
    with ctx.session() as s:
        project = s.facts.project
    # Not live: nothing to follow, and a redraw would clear the token being typed.
    return render(request, ctx, "_login.html.j2", "Sign in", "", live=False, project=project, seq=0)


@router.post("/login")
def login(ctx: Ctx, token: Annotated[str, Form(max_length=1000)]) -> Response:
    if not ctx.guard.person_ok(token):
        raise HttpRefusal(401, "wrong token")
    r = RedirectResponse("/", status_code=303)
    r.set_cookie(SESSION_COOKIE, ctx.guard.session_value(), httponly=True, samesite="strict")
    return r


@router.post("/logout")
def logout(_who: FormPerson) -> Response:
    r = RedirectResponse("/", status_code=303)
    r.delete_cookie(SESSION_COOKIE)
    return r


def _back(request: Request, message: str, *, bad: bool = False) -> Response:
    """Back to the page the form was on (same site only), with what happened."""
    ref = request.headers.get("referer", "/")
    path = "/" + ref.split("://", 1)[-1].split("/", 1)[-1].split("?", 1)[0] if "://" in ref else "/"
    flag = "&bad=1" if bad else ""
    return RedirectResponse(f"{path}?flash={quote(message)}{flag}", status_code=303)


@router.post("/actions/blockers/{blocker}/ack")
def act_ack(request: Request, ctx: Ctx, who: FormPerson, blocker: str) -> Response:
    from phasegate.service import blockers

    with ctx.session() as s:
        blockers.ack(s, blocker, by=who.name)
    return _back(request, f"{blocker} acknowledged")


@router.post("/actions/blockers/{blocker}/resolve")
def act_resolve(request: Request, ctx: Ctx, who: FormPerson, blocker: str) -> Response:
    from phasegate.service import blockers

    with ctx.session() as s:
        blockers.resolve_blocker(s, blocker, by=who.name)
    return _back(request, f"{blocker} resolved")


@router.post("/actions/efforts/{effort}/approve")
def act_approve(
    request: Request,
    ctx: Ctx,
    who: FormPerson,
    effort: str,
    role: Annotated[str, Form(min_length=1, max_length=200)],
) -> Response:
    from phasegate.service import reviews

    with ctx.session() as s:
        reviews.approve(s, effort, role=role, by=who.name)
    return _back(request, f"{effort} approved as {role}")


@router.post("/actions/efforts/{effort}/answer")
def act_answer(
    request: Request,
    ctx: Ctx,
    who: FormPerson,
    effort: str,
    text: Annotated[str, Form(min_length=1, max_length=20000)],
) -> Response:
    from phasegate.service import inputs

    with ctx.session() as s:
        inputs.answer(s, effort, text, by=who.name)
    return _back(request, f"answer sent to {effort}")


@router.post("/actions/phases/{phase}/override")
def act_override(
    request: Request,
    ctx: Ctx,
    who: FormPerson,
    phase: str,
    reason: Annotated[str, Form(min_length=1, max_length=4000)],
) -> Response:
    from phasegate.service import phases

    phases.override(ctx.loaded(), phase, reason=f"{reason} (by {who.name})", db=ctx.db)
    return _back(request, f"gate of {phase} overridden")


@router.post("/actions/pause")
def act_pause(
    request: Request,
    ctx: Ctx,
    who: FormPerson,
    reason: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    from phasegate.service import control

    with ctx.session() as s:
        control.pause(s, by=who.name, reason=reason)
    return _back(request, "run paused: no new agents start")


@router.post("/actions/resume")
def act_resume(request: Request, ctx: Ctx, who: FormPerson) -> Response:
    from phasegate.service import control

    with ctx.session() as s:
        control.resume(s, by=who.name)
    return _back(request, "run resumed")
