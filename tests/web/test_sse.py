"""The live feed: every event once, in order, and a reconnect with Last-Event-ID carries on
exactly where it stopped."""

from __future__ import annotations

import json
import threading
from typing import Any

import httpx

from support import run_phasegate
from web.conftest import Server


def _read(server: Server, count: int, headers: dict[str, str] | None = None,
          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The first `count` events the feed sends, then hang up."""
    got: list[dict[str, Any]] = []
    with httpx.stream("GET", server.url + "/events", headers=headers, params=params,
                      timeout=httpx.Timeout(30, read=30)) as r:  # fmt: skip
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        ident = None
        for line in r.iter_lines():
            if line.startswith("id: "):
                ident = int(line[4:])
            elif line.startswith("data: "):
                ev = json.loads(line[6:])
                assert ev["seq"] == ident
                got.append(ev)
                if len(got) >= count:
                    break
    return got


def test_every_event_once_in_order_across_a_reconnect(server: Server) -> None:
    repo = server.repo
    reporters = [
        threading.Thread(
            target=run_phasegate,
            args=("report", "c", "--note", f"note {k}", "--key", f"n{k}"),
            kwargs={"cwd": repo},
        )
        for k in range(6)
    ]
    for t in reporters:
        t.start()
    for t in reporters:
        t.join()
    log = json.loads(run_phasegate("log", "--json", cwd=repo).out)["events"]
    total = len(log)
    assert total >= 6
    first = _read(server, 3)
    rest = _read(server, total - 3, headers={"Last-Event-ID": str(first[-1]["seq"])})
    seen = [e["seq"] for e in first + rest]
    assert seen == [e["seq"] for e in log]  # all of them, once, in log order
    # A new event reaches a client that is already waiting.
    waiting: list[dict[str, Any]] = []
    t = threading.Thread(
        target=lambda: waiting.extend(_read(server, 1, params={"after": seen[-1]}))
    )
    t.start()
    assert run_phasegate("report", "c", "--progress", "50", cwd=repo).code == 0
    t.join(30)
    assert waiting and waiting[0]["kind"] == "report" and waiting[0]["seq"] > seen[-1]


def test_a_team_store_feeds_the_live_view_by_notification(web_repo, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    from web.conftest import start_server, stop_server

    server = start_server(web_repo, "--db", pg_url)
    try:
        waiting: list[dict[str, Any]] = []
        t = threading.Thread(target=lambda: waiting.extend(_read(server, 1)))
        t.start()
        r = run_phasegate("report", "c", "--note", "from another machine", "--db", pg_url,
                          cwd=web_repo)  # fmt: skip
        assert r.code == 0, r.err
        t.join(30)
        assert waiting and waiting[0]["data"]["note"] == "from another machine"
    finally:
        stop_server(server)
