"""200 agents posting reports at once over HTTP: every distinct report stored exactly once,
re-sent ones recognised by their key, none refused as locked."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx

from support import run_phasegate
from web.conftest import Server

CLIENTS = 200


def test_two_hundred_concurrent_reporters(server: Server) -> None:
    def post(k: int) -> list[int]:
        body = {"note": f"report {k}", "key": f"load-{k}"}
        codes = []
        with httpx.Client(base_url=server.url, headers=server.person(), timeout=60) as c:
            for _ in range(2):  # each agent re-sends once, as after a lost reply
                codes.append(
                    c.post(f"/api/v1/efforts/{'abc'[k % 3]}/reports", json=body).status_code
                )
        return codes

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = list(pool.map(post, range(CLIENTS)))
    assert all(codes == [201, 201] for codes in results), [c for c in results if c != [201, 201]][
        :5
    ]
    log = json.loads(run_phasegate("log", "--json", cwd=server.repo).out)["events"]
    notes = sorted(e["data"]["note"] for e in log if e["kind"] == "report")
    assert notes == sorted(f"report {k}" for k in range(CLIENTS))
