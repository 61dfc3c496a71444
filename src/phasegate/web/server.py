"""Starting the web server: the people token, the bind address, and uvicorn."""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from phasegate.errors import UsageError
from phasegate.web.security import Guard, is_loopback

TOKEN_FILE = "web-token"


@dataclass(frozen=True)
class ServeOptions:
    plan: str | None
    db: str | None
    host: str
    port: int
    token: str | None
    token_file: str | None
    allow_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Prepared:
    ctx_plan: str
    url: str
    token_source: str  # where the people token came from, for the start-up line
    exposed: bool  # bound beyond loopback


def _read_token(path: str) -> str:
    try:
        token = Path(path).read_text().strip()
    except OSError as e:
        raise UsageError(f"--token-file {path}: {e.strerror}") from None
    if len(token) < 16:
        raise UsageError(f"--token-file {path}: a token needs at least 16 characters")
    return token


def _own_token(state_dir: Path) -> str:
    """A token for people kept beside the state, readable by its owner only; the same file
    serves the next start, so a browser signed in stays signed in."""
    path = state_dir / TOKEN_FILE
    if path.is_file():
        found = path.read_text().strip()
        if len(found) >= 16:
            return found
    state_dir.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token


def prepare(o: ServeOptions) -> tuple[Guard, Prepared]:
    from phasegate.plan.discover import find_plan, state_dir_of

    if not 0 < o.port < 65536:
        raise UsageError(f"--port {o.port}: expected 1-65535")
    plan = find_plan(o.plan).resolve()
    exposed = not is_loopback(o.host)
    env_token = os.environ.get("PHASEGATE_WEB_TOKEN", "").strip() or None
    if o.token is not None and len(o.token) < 16:
        raise UsageError("--token: a token needs at least 16 characters")
    given = o.token or (_read_token(o.token_file) if o.token_file else None) or env_token
    if exposed and given is None:
        raise UsageError(
            f"--host {o.host} is reachable from other machines: give --token or --token-file "
            "(every request will need it)"
        )
    if given is not None:
        source = (
            "--token" if o.token else ("--token-file" if o.token_file else "$PHASEGATE_WEB_TOKEN")
        )
        token = given
    else:
        token = _own_token(state_dir_of(plan))
        source = str(state_dir_of(plan) / TOKEN_FILE)
    guard = Guard(o.host, o.port, token, frozenset(h.lower() for h in o.allow_hosts))
    host = f"[{o.host}]" if ":" in o.host else o.host
    return guard, Prepared(str(plan), f"http://{host}:{o.port}", source, exposed)


def serve(o: ServeOptions) -> Prepared:
    """Run until interrupted. Heavy imports happen here, not at CLI start-up."""
    try:
        import uvicorn

        from phasegate.web.app import create_app
    except ImportError as e:
        raise UsageError(
            f"the web view needs its extra: pip install 'phasegate[web]' ({e.name} is missing)"
        ) from None
    from phasegate.web.context import WebContext

    guard, ready = prepare(o)
    ctx = WebContext(ready.ctx_plan, o.db, guard, reads_need_token=ready.exposed)
    ctx.session().close()  # a plan or store that cannot open is refused before binding
    app = create_app(ctx)
    print(f"phasegate serve: {ready.url}  (people token: {ready.token_source})", flush=True)
    if ready.exposed:
        print(
            f"warning: bound to {o.host}, reachable beyond this machine; every request needs "
            "the token",
            file=sys.stderr,
            flush=True,
        )
    uvicorn.run(
        app,
        host=o.host,
        port=o.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
    )
    return ready
