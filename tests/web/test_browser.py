"""The pages in a real browser (Debian's Chromium driven by Playwright) against a real run
of the scripted agent: every page loads, the overview follows the run live without a
reload, a signed-in person acts, and a request without credentials is refused."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from support import run_phasegate
from web.conftest import Server

PAGES = ["/", "/graph", "/gantt", "/metrics", "/efforts/a", "/phases/build", "/login"]


def test_pages_follow_a_run_live_and_people_act(server: Server, browser: Any) -> None:
    repo = server.repo
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url + "/")
    assert page.inner_text("tr[data-effort='a'] .pg-state") == "pending"
    page.wait_for_selector("#pg-conn.ok", timeout=15_000)  # the live feed is connected
    page.evaluate("window.__stayed = true")
    assert run_phasegate("signoff", "build", "1", "--as", "release-lead", cwd=repo).code == 0
    run = subprocess.Popen(
        [sys.executable, "-m", "phasegate", "run"],
        cwd=repo,
        env={**__import__("os").environ, "PHASEGATE_SCRIPTED_DELAY": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # Any state past pending: a loaded machine may redraw only after a is already done.
        page.wait_for_function(
            "document.querySelector(\"tr[data-effort='a'] .pg-state\").innerText !== 'pending'",
            timeout=60_000,
        )
        page.wait_for_function(
            "document.querySelector(\"tr[data-effort='b'] .pg-state\").innerText === 'done'",
            timeout=120_000,
        )
    finally:
        assert run.wait(60) == 0
    assert page.evaluate("window.__stayed") is True  # redrawn in place, never reloaded

    for path in PAGES:
        response = page.goto(server.url + path)
        assert response is not None and response.status == 200, path
    page.goto(server.url + "/graph")
    assert page.locator("g.pg-node").count() == 3
    page.click("g.pg-node[data-effort='b']")
    page.wait_for_url("**/efforts/b")
    assert "Beta" in page.inner_text("h2")

    # Unauthorised: not signed in, the pause form is refused.
    refused = page.evaluate(
        "fetch('/actions/pause', {method: 'POST', body: new URLSearchParams({reason: 'x'})})"
        ".then(r => r.status)"
    )
    assert refused == 401
    # Authorised: sign in with the people token, then acknowledge a blocker from its form.
    assert (
        run_phasegate("report", "c", "--blocker", "disk full", "--severity", "high", cwd=repo).code
        == 0
    )
    page.goto(server.url + "/login")
    page.fill("input[name=token]", server.token)
    page.click("button")
    page.wait_for_url(server.url + "/")
    page.click("tr[data-blocker] button:has-text('Acknowledge')")
    page.wait_for_selector(".flash")
    assert "acknowledged" in page.inner_text(".flash")
    status = run_phasegate("status", "--json", "--no-notify", cwd=repo).out
    assert '"acked_by":"web"' in status.replace(" ", "")
    assert not errors, errors
