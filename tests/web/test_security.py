"""Refusals: foreign Host or Origin, no token, a wrong token, another effort's token, a
stale attempt's token, a form without its CSRF token, and binding beyond loopback."""

from __future__ import annotations

import httpx
import pytest

from support import run_phasegate
from web.conftest import Server


def _mint(repo, effort: str, attempt: int) -> str:  # type: ignore[no-untyped-def]
    from phasegate.service import tokens
    from phasegate.store import open_store

    with open_store(None, state_dir=repo / ".phasegate") as store:
        return tokens.mint(store, effort, attempt)


def test_foreign_host_and_origin_are_refused(server: Server) -> None:
    with server.client() as c:
        assert c.get("/api/v1/status", headers={"Host": "evil.example"}).status_code == 400
        assert c.get("/", headers={"Host": f"localhost:{server.port}"}).status_code == 200
        r = c.post(
            "/api/v1/run/pause",
            json={},
            headers={**server.person(), "Origin": "http://evil.example"},
        )
        assert r.status_code == 403
        ok = c.post(
            "/api/v1/run/pause",
            json={},
            headers={**server.person(), "Origin": f"http://127.0.0.1:{server.port}"},
        )
        assert ok.status_code == 200, ok.text


def test_writes_need_the_right_token(server: Server) -> None:
    repo = server.repo
    with server.client() as c:
        none = c.post("/api/v1/efforts/a/reports", json={"progress": 10})
        assert none.status_code == 401 and none.headers["www-authenticate"] == "Bearer"
        wrong = c.post(
            "/api/v1/efforts/a/reports",
            json={"progress": 10},
            headers={"Authorization": "Bearer not-a-token"},
        )
        assert wrong.status_code == 401
        # An agent's token works for its own effort only, and never for people's actions.
        assert run_phasegate("start", "a", cwd=repo).code == 0
        token = _mint(repo, "a", 1)
        agent = {"Authorization": f"Bearer {token}"}
        own = c.post("/api/v1/efforts/a/reports", json={"progress": 10, "key": "k1"}, headers=agent)
        assert own.status_code == 201, own.text
        again = c.post(
            "/api/v1/efforts/a/reports", json={"progress": 10, "key": "k1"}, headers=agent
        )
        assert again.status_code == 201 and again.json()["duplicate"] is True
        other = c.post("/api/v1/efforts/c/reports", json={"progress": 10}, headers=agent)
        assert other.status_code == 403
        assert c.post("/api/v1/run/pause", json={}, headers=agent).status_code == 403
        # A token of an attempt that is no longer the effort's current one reads, never writes.
        stale = {"Authorization": f"Bearer {_mint(repo, 'a', 0)}"}
        assert c.get("/api/v1/status", headers=stale).status_code == 200
        refused = c.post("/api/v1/efforts/a/reports", json={"progress": 20}, headers=stale)
        assert refused.status_code == 409, refused.text


def test_forms_need_a_session_and_csrf(server: Server) -> None:
    with server.client(follow_redirects=False) as c:
        assert c.post("/actions/pause", data={"reason": "x"}).status_code == 401
        assert c.post("/login", data={"token": "wrong-token-wrong-token"}).status_code == 401
        signed = c.post("/login", data={"token": server.token})
        assert signed.status_code == 303
        assert server.token not in signed.headers.get("set-cookie", "")  # a MAC, not the token
        assert c.post("/actions/pause", data={"reason": "x"}).status_code == 403
        page = c.get("/").text
        csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        assert c.post("/actions/pause", data={"reason": "x", "csrf": csrf}).status_code == 303
    assert server.token not in page


def test_binding_beyond_loopback_needs_a_token(web_repo) -> None:  # type: ignore[no-untyped-def]
    r = run_phasegate("serve", "--host", "0.0.0.0", "--port", "1", cwd=web_repo, timeout=60)
    assert r.code == 2 and "--token" in r.err, r.err
    r = run_phasegate("serve", "--token", "short", cwd=web_repo, timeout=60)
    assert r.code == 2 and "16 characters" in r.err


@pytest.mark.parametrize(
    "path", ["/", "/graph", "/gantt", "/metrics", "/efforts/a", "/phases/build"]
)
def test_pages_render_before_any_run(server: Server, path: str) -> None:
    r = httpx.get(server.url + path, timeout=10)
    assert r.status_code == 200, r.text
    assert "<svg" in r.text or path in ("/", "/efforts/a", "/phases/build")
