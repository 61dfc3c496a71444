"""The OpenAPI schema, fuzzed: whatever schemathesis generates from it (odd ids, bodies of
every shape, with and without a person's token), the server answers without a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings

from support import run_phasegate

TOKEN = "fuzz-people-token-0123456789"


def test_no_server_errors(web_repo: Path) -> None:
    from phasegate.web.app import create_app
    from phasegate.web.context import WebContext
    from phasegate.web.security import Guard

    # Some state to act on: a blocker to acknowledge, an effort to report on.
    assert (
        run_phasegate("report", "a", "--blocker", "x", "--severity", "low", cwd=web_repo).code == 0
    )
    guard = Guard("127.0.0.1", 80, TOKEN, extra_hosts=frozenset({"testserver"}))
    app = create_app(WebContext(str(web_repo / "phasegate.yaml"), None, guard))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seen: set[str] = set()

    @given(case=schema.as_strategy())
    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(case: Any) -> None:
        seen.add(f"{case.method} {case.path}")
        for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
            response = case.call(headers=headers)
            assert response.status_code < 500, (
                case.method,
                case.formatted_path,
                response.status_code,
                response.text,
            )

    fuzz()
    assert len(seen) >= 10, seen  # the draw reached most operations, not one corner
