"""The web view's pages on a 1,000-effort plan with 100,000 stored events: server time per
page (the app called in-process, no network), beside the status document the overview is
built from (`service.queries.status`), measured in the same run.

The goal is under 1 s of server time for every page.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import main, row
from status import EFFORTS, EVENTS, fill_store, write_plan

PAGES = ["/", "/graph", "/gantt", "/metrics", "/efforts/e500", "/phases/p1", "/api/v1/status"]


def _median(fn: Any, runs: int) -> float:
    fn()  # warm: templates compiled, plan loaded and cached by the server
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def rows(quick: bool) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from phasegate.service import queries
    from phasegate.tracking.session import open_session
    from phasegate.web.app import create_app
    from phasegate.web.context import WebContext
    from phasegate.web.security import Guard

    runs = 3 if quick else 7
    events = EVENTS // 10 if quick else EVENTS
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plan = root / "phasegate.yaml"
        write_plan(plan, EFFORTS)
        fill_store(root / ".phasegate", EFFORTS, events)
        guard = Guard("127.0.0.1", 80, "bench-token-0123456789", frozenset({"testserver"}))
        client = TestClient(create_app(WebContext(str(plan), None, guard)))

        def status_doc() -> None:
            with open_session(str(plan), None) as s:
                queries.status(s)

        anchor = _median(status_doc, runs)
        for path in PAGES:

            def get(path: str = path) -> None:
                r = client.get(path)
                if r.status_code != 200:
                    raise SystemExit(f"{path}: HTTP {r.status_code}: {r.text[:300]}")

            out.append(
                row(
                    f"web {path} ({EFFORTS} efforts)",
                    _median(get, runs),
                    anchor,
                    "status document in-process",
                    "s server time, median (lower is better)",
                    f"{runs} requests; {events:,} events; goal < 1 s",
                )
            )
    return out


if __name__ == "__main__":
    main(rows, __doc__)
