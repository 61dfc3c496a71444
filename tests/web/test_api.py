"""The REST API against a real `phasegate serve` over a real run: the same documents as the
CLI's --json, actions that change the store, and the errors the CLI would give."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support import run_phasegate
from web.conftest import Server

# Fields that depend on the moment a document is made, not on the store.
_MOMENT = {"now"}
_MOMENT_CP = {"elapsed", "projected", "slippage", "slippage_days"}


def _steady(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in doc.items() if k not in _MOMENT}
    if isinstance(out.get("critical_path"), dict):
        out["critical_path"] = {
            k: v for k, v in out["critical_path"].items() if k not in _MOMENT_CP
        }
    return out


def _cli_json(repo: Path, *args: str) -> dict[str, Any]:
    r = run_phasegate(*args, "--json", cwd=repo)
    assert r.code == 0, r.err
    doc: dict[str, Any] = json.loads(r.out)
    return doc


def test_documents_equal_the_cli(server: Server) -> None:
    repo = server.repo
    # The gate's one criterion for a person, signed off so the gate can pass.
    assert run_phasegate("signoff", "build", "1", "--as", "release-lead", cwd=repo).code == 0
    r = run_phasegate("run", cwd=repo, env={"PHASEGATE_SCRIPTED_DELAY": "0"})
    assert r.code == 0, r.out + r.err
    with server.client() as c:
        for path, args in (
            ("/api/v1/status", ("status", "--no-notify")),
            ("/api/v1/ready", ("ready",)),
            ("/api/v1/log", ("log",)),
        ):
            got = c.get(path)
            assert got.status_code == 200, got.text
            api, cli = got.json(), _cli_json(repo, *args)
            assert api["schema"] == cli["schema"]
            assert _steady(api) == _steady(cli), path
        log = c.get("/api/v1/log", params={"effort": "a", "last": 2}).json()
        assert log == _cli_json(repo, "log", "--effort", "a", "--last", "2")
        status = c.get("/api/v1/status").json()
        assert {e["id"]: e["state"] for e in status["efforts"]} == {
            "a": "done",
            "b": "done",
            "c": "done",
        }
        detail = c.get("/api/v1/efforts/a").json()
        assert detail["attempts"] and detail["attempts"][0]["exit_code"] == 0
        assert [x["name"] for x in detail["checks"]]
        gate = c.get("/api/v1/phases/build/gate").json()
        assert gate["latest"]["passed"] is True
        assert {x["name"] for x in gate["latest"]["evidence"]} == {"files there", "coverage"}
        series = c.get("/api/v1/metrics").json()["metrics"]
        assert series[0]["id"] == "coverage" and series[0]["points"][-1]["value"] == 82
        # The pages show the re-forecast, the process metrics and the gate's criteria.
        assert 'id="pg-eta"' in c.get("/").text
        assert 'id="pg-process"' in c.get("/metrics").text
        gate_page = c.get("/phases/build").text
        assert "Release notes reviewed" in gate_page and "release-lead" in gate_page
        tl = c.get("/api/v1/timeline").json()
        assert {x["effort"] for x in tl["planned"]["slots"]} == {"a", "b", "c"}
        assert {x["effort"] for x in tl["actual"]["attempts"]} == {"a", "b", "c"}


def test_unknown_ids_and_bad_input_are_client_errors(server: Server) -> None:
    with server.client() as c:
        r = c.get("/api/v1/efforts/nope")
        assert r.status_code == 404 and "unknown effort 'nope'" in r.json()["error"]
        assert c.get("/api/v1/phases/nope/gate").status_code == 404
        assert c.get("/api/v1/log", params={"last": -1}).status_code == 422
        bad = c.post("/api/v1/efforts/a/reports", json={"progress": 250}, headers=server.person())
        assert bad.status_code == 422, bad.text
        assert "progress" in bad.json()["error"]


def test_people_actions_change_the_store(server: Server) -> None:
    repo = server.repo
    # On c, which the failing run below leaves unfinished: a done effort's blockers close.
    r = run_phasegate("report", "c", "--blocker", "no test cluster", "--severity", "high", cwd=repo)
    assert r.code == 0, r.err
    blocker = _cli_json(repo, "status", "--no-notify")["blockers"][0]["id"]
    with server.client(headers=server.person()) as c:
        rep = c.post("/api/v1/efforts/a/reports", json={"progress": 40, "note": "types in a/x"})
        assert rep.status_code == 201, rep.text
        assert c.post(f"/api/v1/blockers/{blocker}/ack", json={}).status_code == 200
        assert c.post("/api/v1/run/pause", json={"reason": "lunch"}).json()["paused"] is True
        assert c.post("/api/v1/run/pause", json={}).status_code == 409  # already paused
        assert c.post("/api/v1/run/resume").json()["paused"] is False
        # A gate that never opened cannot be overridden: the same refusal as the CLI's.
        early = c.post("/api/v1/phases/build/override", json={"reason": "release anyway"})
        cli = run_phasegate("gate", "build", "--override", "--reason", "x", cwd=repo)
        assert early.status_code == 409 and cli.code == 1
        assert early.json()["error"] in cli.err
        # A run whose effort c fails leaves the phase open, its gate still owed.
        failing = run_phasegate("run", cwd=repo, env={"PHASEGATE_SCRIPTED_FAIL": "c"})
        assert failing.code == 1, failing.out
        ov = c.post("/api/v1/phases/build/override", json={"reason": "release anyway"})
        assert ov.status_code == 200 and ov.json()["state"] == "overridden", ov.text
    status = _cli_json(repo, "status", "--no-notify")
    assert status["blockers"][0]["acked_at"] is not None
    assert {p["id"]: p["state"] for p in status["phases"]} == {"build": "overridden"}
    notes = _cli_json(repo, "log", "--effort", "a")
    assert any(
        e["kind"] == "report" and e["data"].get("note") == "types in a/x" for e in notes["events"]
    )


def test_openapi_is_served(server: Server) -> None:
    with server.client() as c:
        spec = c.get("/openapi.json").json()
    paths = set(spec["paths"])
    assert {"/api/v1/status", "/api/v1/efforts/{effort}/reports", "/events"} <= paths
    assert not any(p.startswith("/actions") for p in paths)  # browser forms stay out
