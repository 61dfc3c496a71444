"""examples/rig.yaml (seed 001): the coordination calendar with three meetings around every
handoff, read back from the .ics; and the weekly document's process metrics after a run."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import icalendar
import pytest

from support import EXAMPLES, CliResult, git, init_repo, run_phasegate

Cli = Callable[..., CliResult]


def test_calendar_has_the_three_transition_meetings_per_handoff(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "rig.ics"
    plan = str(EXAMPLES / "rig.yaml")
    r = cli("calendar", "-f", plan, "--start", "2026-03-01", "--ics", str(out), "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["start"] == "2026-03-02"  # a Sunday start moves to the first working day
    cal = icalendar.Calendar.from_ical(out.read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    assert len(events) == len(doc["meetings"])
    by_phase: dict[str, Counter[str]] = {}
    for m in doc["meetings"]:
        if m["phase"]:
            by_phase.setdefault(m["phase"], Counter())[m["kind"]] += 1
    for p in ("p1", "p2", "p3", "p4", "p5"):
        assert by_phase[p] == {"handoff-preparation": 1, "transition": 1, "follow-up": 1}, p
    trans = {m["phase"]: m for m in doc["meetings"] if m["kind"] == "transition"}
    prep = {m["phase"]: m for m in doc["meetings"] if m["kind"] == "handoff-preparation"}
    follow = {m["phase"]: m for m in doc["meetings"] if m["kind"] == "follow-up"}
    day = dt.date.fromisoformat
    for p in ("p2", "p3"):
        # one working week (seven calendar days) either side of the transition
        assert day(trans[p]["date"]) - day(prep[p]["date"]) == dt.timedelta(days=7)
        assert day(follow[p]["date"]) - day(trans[p]["date"]) == dt.timedelta(days=7)
    # the transition names the owners of both sides of the handoff
    assert "phase1-team" in trans["p1"]["owners"] and "phase2-team" in trans["p1"]["owners"]
    assert "Complete handoff validation and sign-off" in trans["p1"]["agenda"]
    kinds = Counter(m["kind"] for m in doc["meetings"])
    assert kinds["standup"] >= 29  # every working day of the 29-day schedule on 3 agents
    assert all(day(m["date"]).weekday() < 5 for m in doc["meetings"])
    assert all(day(m["date"]).weekday() == 0 or m is doc["meetings"][0]
               for m in doc["meetings"] if m["kind"] == "weekly-review")  # fmt: skip
    summaries = [str(e.get("summary")) for e in events]
    assert summaries.count("Daily standup") == kinds["standup"]
    # written twice from the same plan and start: the same bytes (stable uids and stamps)
    first = out.read_bytes()
    assert cli("calendar", "-f", plan, "--start", "2026-03-01", "--ics", str(out)).code == 2
    r = cli("calendar", "-f", plan, "--start", "2026-03-01", "--ics", str(out), "--force")
    assert r.code == 0 and out.read_bytes() == first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "March"], "expected a date as YYYY-MM-DD"),
        (["--agents", "0"], "--agents must be at least 1"),
    ],
)
def test_calendar_usage_errors(cli: Cli, args: list[str], message: str) -> None:
    r = cli("calendar", "-f", str(EXAMPLES / "rig.yaml"), *args)
    assert r.code == 2 and message in r.err


def test_calendar_needs_a_rate(cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "phasegate.yaml"
    plan.write_text("version: 1\nproject: x\nefforts: [{id: a, deliverables: [A]}]\n")
    r = cli("calendar", "-f", str(plan))
    assert r.code == 2 and "needs the plan's rate" in r.err


def test_weekly_document_shows_process_metrics_after_a_scripted_run(tmp_path: Path) -> None:
    repo = init_repo(tmp_path / "rig")
    text = (EXAMPLES / "rig.yaml").read_text()
    text = text.replace(
        """command: 'aider --yes-always --message-file "$PHASEGATE_BRIEF"'""",
        f'command: "{sys.executable} -m phasegate.agents.scripted"',
    )
    (repo / "phasegate.yaml").write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plan")
    r = run_phasegate("run", cwd=repo, timeout=300)
    # Phase 1's efforts all finish; its gate fails (its checks look for files no effort of
    # this scripted run writes, and nobody signed its criteria), which stops the run.
    assert r.code == 1, r.err
    r = run_phasegate("metrics", "--process", "--json", cwd=repo)
    pm = json.loads(r.out)
    assert pm["efforts_started"] == 5
    assert pm["agent_success_rate"] == 1.0 and pm["attempts"] == 5
    assert pm["first_time_gate_pass_rate"] == 0.0 and pm["phases_judged"] == 1
    assert pm["rework_rate"] == 0.0 and pm["conflict_rate"] == 0.0
    assert pm["estimates_observed"] == 5
    weekly = run_phasegate("doc", "--kind", "weekly", cwd=repo).out
    assert "### Process Metrics:" in weekly
    assert "- First-time gate pass rate: 0% of 1 phase(s) judged" in weekly
    assert "- Agent success rate: 100% of 5 attempt(s)" in weekly
    assert "- Estimate accuracy: actual/estimate x" in weekly
    assert "re-forecast on 3 agent(s): ETA " in weekly
