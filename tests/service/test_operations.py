"""The application layer called directly: what it returns equals what the CLI prints with
--json, and the operations the CLI has no command for behave as the front doors need."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from phasegate.errors import InputError, StateError, UnknownId
from phasegate.service import blockers, documents, efforts, queries, reports, reviews
from phasegate.tracking.session import open_session
from support import run_phasegate


def test_query_documents_equal_cli_json(project: Path) -> None:
    assert run_phasegate("start", "8.1.1").code == 0
    assert run_phasegate("report", "8.1.1", "--note", "types in pkg/x").code == 0
    with open_session(None, None) as s:
        ready = queries.ready(s)
        log = queries.log(s, effort="8.1.1")
        st = queries.status(s, now=1.0)
    assert json.loads(run_phasegate("ready", "--json").out) == ready
    assert json.loads(run_phasegate("log", "--json", "--effort", "8.1.1").out) == log
    cli_status = json.loads(run_phasegate("status", "--json", "--no-notify").out)
    assert cli_status["schema"] == st["schema"] == "phasegate.status/1"
    assert cli_status["efforts"] == st["efforts"]
    json.dumps(st)  # JSON-ready as returned


def test_report_idempotent_and_scoped_to_attempt(project: Path) -> None:
    with open_session(None, None) as s:
        c = efforts.start(s, "8.1.1", by="tester")
        assert (c.before, c.after, c.attempt) == ("pending", "running", 1)
        raw = reports.raw_report(progress="40", note="n1")
        first = reports.report(s, "8.1.1", raw, attempt=1, key="k1")
        again = reports.report(s, "8.1.1", reports.raw_report(progress="40"), attempt=1, key="k1")
        assert first.stored and not again.stored
        with pytest.raises(StateError, match="report from attempt 0 refused"):
            reports.report(s, "8.1.1", reports.raw_report(progress="50"), attempt=0)
        assert s.store.effort("8.1.1").progress == 40


def test_resolve_blocker_only_of_own_effort(project: Path) -> None:
    with open_session(None, None) as s:
        raw = reports.raw_report(blockers=["no cluster"], severity="high")
        reports.report(s, "8.1.1", raw)
        (b,) = [b for b in s.store.blockers() if b.open]
        with pytest.raises(InputError, match=r"belongs to 8\.1\.1, not 8\.1\.2"):
            blockers.resolve_blocker(s, b.id, by="agent", effort="8.1.2")
        done = blockers.resolve_blocker(s, b.id, by="agent", effort="8.1.1")
        assert not done.already
        assert blockers.resolve_blocker(s, b.id, by="agent").already
        assert not [b for b in s.store.blockers() if b.open]
        with pytest.raises(UnknownId, match="no blocker 'B9'"):
            blockers.resolve_blocker(s, "B9", by="agent")


def test_ack_of_risk_with_resolve_records_nothing(project: Path) -> None:
    with open_session(None, None) as s:
        with pytest.raises(InputError, match="only blockers"):
            blockers.ack(s, "R1", by="tester", resolve=True)
        assert "R1" not in s.store.acks()
        assert not blockers.ack(s, "R1", by="tester").already
        assert blockers.ack(s, "R1", by="tester").already


def test_review_request_lists_missing_approvals(project: Path) -> None:
    with open_session(None, None) as s:
        req = reviews.request_review(s, "8.1.1", note="ready for a look", key="r1")
        assert req.seq is not None
        assert "kernel-lead" in req.missing
        assert reviews.request_review(s, "8.1.1", key="r1").seq is None
        a = reviews.approve(s, "8.1.1", role="kernel-lead", by="lead")
        assert not a.already and a.missing == []
        assert "kernel-lead" in reviews.request_review(s, "8.1.1").approved


def test_handoff_notes_and_brief(project: Path) -> None:
    with open_session(None, None) as s:
        reports.report(s, "8.1.1", reports.raw_report(note="AuthorizationChecker in pkg/auth"))
        h = queries.handoff_notes(s, "8.2.1")
        deps = {d["effort"]: d for d in h["dependencies"]}
        assert deps["8.1.1"]["notes"] == ["AuthorizationChecker in pkg/auth"]
        assert deps["8.1.2"]["notes"] == []
        b = documents.brief(s, "8.2.2")
        assert b["schema"] == "phasegate.brief/1"
        assert "# Effort 8.2.2" in b["text"]
        assert "AuthorizationChecker in pkg/auth" in b["text"]
        with pytest.raises(UnknownId):
            queries.handoff_notes(s, "9.9.9")
