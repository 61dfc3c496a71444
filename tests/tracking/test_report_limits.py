"""Reports and notes have documented size limits, refused clearly with nothing stored."""

from __future__ import annotations

import json
from pathlib import Path

from phasegate.store import open_store
from phasegate.tracking.reports import MAX_BLOCKER_BYTES, MAX_NOTE_BYTES, MAX_REPORT_BYTES
from support import run_phasegate


def _count(project: Path) -> int:
    db = project / ".phasegate" / "state.db"
    if not db.exists():
        return 0
    with open_store(None, state_dir=project / ".phasegate") as s:
        return s.count_events("report")


def test_a_note_past_the_limit_is_refused(project: Path) -> None:
    r = run_phasegate("report", "8.1.1", "--note", "n" * (MAX_NOTE_BYTES + 1), cwd=project)
    assert r.code == 1 and f"at most {MAX_NOTE_BYTES}" in r.err, r.err
    assert _count(project) == 0
    ok = run_phasegate("report", "8.1.1", "--note", "n" * MAX_NOTE_BYTES, cwd=project)
    assert ok.code == 0, ok.err
    assert _count(project) == 1


def test_a_blocker_and_a_whole_report_past_their_limits_are_refused(project: Path) -> None:
    r = run_phasegate("report", "8.1.1", "--blocker", "b" * (MAX_BLOCKER_BYTES + 1), cwd=project)
    assert r.code == 1 and "blocker:" in r.err and "at most" in r.err, r.err
    big = json.dumps({"progress": 10, "note": "x" * MAX_REPORT_BYTES})
    r = run_phasegate("report", "8.1.1", "--json", cwd=project, input=big)
    assert r.code == 1 and f"more than {MAX_REPORT_BYTES} bytes" in r.err, r.err
    assert "Traceback" not in r.err
    assert _count(project) == 0
