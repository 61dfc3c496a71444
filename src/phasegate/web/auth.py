"""Who is asking: FastAPI dependencies that check the guard and name the caller.

A person shows the server's people token as a bearer token (programs) or signs in once and
sends the session cookie plus a CSRF token (forms). An agent shows the token minted for its
attempt; the service layer resolves it to one effort and attempt, and refuses writes from an
attempt that is no longer current."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from phasegate.web.context import WebContext
from phasegate.web.errors import HttpRefusal
from phasegate.web.security import CSRF_FIELD, SESSION_COOKIE, bearer


@dataclass(frozen=True)
class Caller:
    kind: str  # "person" | "agent"
    name: str
    effort: str | None = None
    attempt: int | None = None

    def may_act_on(self, effort: str) -> bool:
        return self.kind == "person" or self.effort == effort


def context(request: Request) -> WebContext:
    ctx: WebContext = request.app.state.ctx
    return ctx


def _person_name(request: Request) -> str:
    return request.headers.get("x-phasegate-user", "").strip()[:80] or "web"


def optional_caller(request: Request) -> Caller | None:
    """The caller a bearer token or a signed-in session names, or None."""
    ctx = context(request)
    token = bearer(request.headers.get("authorization"))
    if token is not None:
        if ctx.guard.person_ok(token):
            return Caller("person", _person_name(request))
        from phasegate.errors import InputError
        from phasegate.service import tokens

        with ctx.session() as s:
            try:
                grant = tokens.verify(s.store, token)
            except InputError as e:
                raise HttpRefusal(401, str(e)) from None
        return Caller("agent", f"agent:{grant.effort}", grant.effort, grant.attempt)
    if ctx.guard.session_ok(request.cookies.get(SESSION_COOKIE)):
        return Caller("person", _person_name(request))
    return None


def reader(request: Request) -> Caller | None:
    """Reads are open on loopback; beyond it every request needs a credential."""
    who = optional_caller(request)
    if who is None and context(request).reads_need_token:
        raise HttpRefusal(401, "this server needs a token for every request")
    return who


def writer(request: Request) -> Caller:
    who = optional_caller(request)
    if who is None:
        raise HttpRefusal(401, "a bearer token is needed to change anything")
    return who


def person(request: Request) -> Caller:
    who = writer(request)
    if who.kind != "person":
        raise HttpRefusal(403, "only a person may do this; an agent token is not enough")
    return who


async def form_person(request: Request) -> Caller:
    """A browser form: the session cookie and the CSRF token it was rendered with."""
    ctx = context(request)
    if not ctx.guard.session_ok(request.cookies.get(SESSION_COOKIE)):
        raise HttpRefusal(401, "sign in with the people token first")
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not ctx.guard.csrf_ok(token):
        raise HttpRefusal(403, "the form's CSRF token is missing or wrong; reload the page")
    return Caller("person", _person_name(request))
