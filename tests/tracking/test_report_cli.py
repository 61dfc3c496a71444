"""phasegate report: what is stored, and what is refused without storing anything."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.store import open_store
from support import CliResult

Cli = Callable[..., CliResult]


def _events(project: Path) -> list[dict[str, object]]:
    with open_store(None, state_dir=project / ".phasegate") as s:
        return [e.to_json() for e in s.events()]


def test_report_stores_everything_it_was_given(cli: Cli, project: Path) -> None:
    r = cli(
        "report",
        "8.1.1",
        "--task-done",
        "1",
        "-t",
        "authorizationchecker interface",
        "--progress",
        "40",
        "--blocker",
        "no test cluster",
        "--severity",
        "high",
        "--metric",
        "coverage=72.5",
        "--note",
        "types live in pkg/x",
        "--cost",
        "0.25",
        "--tokens",
        "1200",
        "--key",
        "k1",
    )
    assert r.code == 0, r.err
    (ev,) = _events(project)
    data = ev["data"]
    assert isinstance(data, dict)
    assert data["tasks_done"] == [
        "Workspace traversal with authorization",
        "AuthorizationChecker interface",
    ]
    assert data["progress"] == 40 and data["metrics"] == {"coverage": 72.5}
    assert data["blockers"] == [{"text": "no test cluster", "severity": "high"}]
    assert (data["note"], data["cost"], data["tokens"]) == ("types live in pkg/x", 0.25, 1200)
    again = cli("report", "8.1.1", "--progress", "90", "--key", "k1")
    assert again.code == 0 and "already stored" in again.out
    assert len(_events(project)) == 1


def test_effort_from_environment(cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PHASEGATE_EFFORT", "8.2.2")
    assert cli("report", "--progress", "10").code == 0
    assert _events(project)[0]["effort"] == "8.2.2"


def test_json_report_from_stdin(project: Path) -> None:
    """Through a real process and its stdin, as an agent would send it."""
    from support import run_phasegate

    doc = {
        "progress": 55,
        "tasks_done": ["Policy rule evaluation"],
        "blockers": [{"text": "cel-go upgrade", "severity": "low"}],
        "metrics": {"placement-latency": 4200},
        "key": "j1",
    }
    r = run_phasegate("report", "8.2.2", "--json", cwd=project, input=json.dumps(doc))
    assert r.code == 0, r.err
    (ev,) = _events(project)
    assert ev["key"] == "j1" and ev["data"]["metrics"] == {"placement-latency": 4200.0}  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["report", "8.1.1", "--metric", "speed=3"], None, "unknown metric 'speed'"),
        (["report", "8.1.1", "--metric", "coverage=lots"], None, "expected a number"),
        (["report", "8.1.1", "--progress", "abc"], None, "progress: expected a number"),
        (["report", "8.1.1", "--progress", "140"], None, "expected 0 to 100"),
        (["report", "8.1.1", "--blocker", "x", "--severity", "urgent"], None, "bad severity"),
        (["report", "8.1.1", "--task-done", "Nonexistent"], None, "no deliverable"),
        (["report", "8.1.1", "--task-done", "9"], None, "no deliverable"),
        (["report", "8.1.1", "--cost", "-1"], None, "must not be negative"),
        (["report", "8.1.1", "--tokens", "1.5"], None, "whole number"),
        (["report", "8.1.1"], None, "empty report"),
        (["report", "8.1.1", "--json"], "{not json", "malformed JSON"),
        (["report", "8.1.1", "--json"], "[1, 2]", "expected a JSON object"),
        (["report", "8.1.1", "--json"], '{"progress": 5, "colour": 1}', "unknown report field"),
        # A bad part anywhere refuses the whole report.
        (["report", "8.1.1", "--progress", "20", "--metric", "coverage=x"], None, "coverage"),
    ],
)
def test_bad_reports_exit_1_and_store_nothing(
    cli: Cli,
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    stdin: str | None,
    message: str,
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(stdin or ""))
    r = cli(*args)
    assert r.code == 1, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.err
    assert not (project / ".phasegate" / "state.db").exists() or _events(project) == []


def test_an_unknown_effort_is_a_usage_error(cli: Cli, project: Path) -> None:
    # Both kinds of unknown id (effort, phase) exit 2, as usage errors do.
    r = cli("report", "9.9.9", "--progress", "5")
    assert r.code == 2 and r.err.strip() == "error: unknown effort '9.9.9' in plan kcp-tmc-phase8"
    assert cli("gate", "p9").code == 2
    assert cli("log", "--effort", "9.9.9").code == 2


def test_a_bad_report_through_a_real_process_is_one_line(project: Path) -> None:
    from support import run_phasegate

    r = run_phasegate("report", "8.1.1", "--metric", "coverage=high", cwd=project)
    assert r.code == 1 and r.err == "error: metric coverage: expected a number, got 'high'\n"


def test_stale_attempt_is_refused(cli: Cli, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert cli("start", "8.1.1").code == 0
    monkeypatch.setenv("PHASEGATE_ATTEMPT", "1")
    assert cli("report", "8.1.1", "--progress", "10").code == 0
    with open_store(None, state_dir=project / ".phasegate") as s:
        s.transition("8.1.1", "failed")
        s.transition("8.1.1", "running")
    r = cli("report", "8.1.1", "--progress", "20")
    assert r.code == 1 and "attempt 1 refused" in r.err
    monkeypatch.setenv("PHASEGATE_ATTEMPT", "2")
    assert cli("report", "8.1.1", "--progress", "30").code == 0


def test_the_same_key_in_two_efforts_stores_both(project: Path) -> None:
    from support import run_phasegate

    r1 = run_phasegate("report", "8.1.1", "--note", "a", "--key", "step-1", cwd=project)
    r2 = run_phasegate("report", "8.1.2", "--note", "b", "--key", "step-1", cwd=project)
    assert r1.code == 0 and r2.code == 0 and "stored (event" in r2.out, r2.out
    again = run_phasegate("report", "8.1.2", "--note", "c", "--key", "step-1", cwd=project)
    assert again.code == 0 and "already stored" in again.out
    assert [(e["effort"], e["key"]) for e in _events(project)] == [
        ("8.1.1", "step-1"),
        ("8.1.2", "step-1"),
    ]


def test_an_empty_key_is_a_usage_error(project: Path) -> None:
    from support import run_phasegate

    for _ in range(2):  # the second would have been dropped as a duplicate of the first
        r = run_phasegate("report", "8.1.1", "--note", "a", "--key", "", cwd=project)
        assert r.code == 2, (r.out, r.err)
        assert r.err == "error: idempotency key must not be empty: leave the key out instead\n"
    r = run_phasegate("report", "8.1.1", "--json", cwd=project, input='{"note": "a", "key": ""}')
    assert r.code == 2 and "key must not be empty" in r.err
    assert _events(project) == []


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--db", ":memory:"], {}), ([], {"PHASEGATE_DB": ":memory:"})],
)
def test_an_in_memory_store_is_refused_not_lost(
    project: Path, args: list[str], env: dict[str, str]
) -> None:
    from support import run_phasegate

    r = run_phasegate("report", "8.1.1", "--note", "a", *args, cwd=project, env=env)
    assert r.code == 2, (r.out, r.err)
    assert r.out == "" and len(r.err.splitlines()) == 1 and "in-memory database" in r.err


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--tokens", "1e30"], None, "tokens: at most 9223372036854775807 in one report"),
        (["--tokens", "9223372036854775808"], None, "tokens: at most"),
        (["--json"], '{"tokens": 100000000000000000000}', "tokens: at most"),
        (["--json"], '{"tokens": 1e400}', "tokens: expected a finite number"),
    ],
)
def test_counts_beyond_what_the_store_keeps_are_refused(
    project: Path, args: list[str], stdin: str | None, message: str
) -> None:
    from support import run_phasegate

    r = run_phasegate("report", "8.1.1", *args, cwd=project, input=stdin)
    assert r.code == 1, (r.out, r.err)
    assert r.err.count("\n") == 1 and message in r.err, r.err
    assert not (project / ".phasegate" / "state.db").exists() or _events(project) == []


def test_token_totals_stay_exact_and_within_bounds(project: Path) -> None:
    from support import run_phasegate

    big = str(2**63 - 2)  # a float would round it
    assert run_phasegate("report", "8.1.1", "--tokens", big, cwd=project).code == 0
    assert run_phasegate("report", "8.1.1", "--tokens", "1", cwd=project).code == 0
    r = run_phasegate("report", "8.1.1", "--tokens", "1", cwd=project)
    assert r.code == 1 and "would bring the recorded total past 9223372036854775807" in r.err
    r = run_phasegate("report", "8.1.2", "--tokens", "1", cwd=project)  # the plan's total
    assert r.code == 1 and "all efforts" in r.err
    st = run_phasegate("status", "--json", cwd=project)
    by_id = {e["id"]: e for e in json.loads(st.out)["efforts"]}
    assert (by_id["8.1.1"]["tokens"], by_id["8.1.2"]["tokens"]) == (2**63 - 1, 0)


def _strict_json(text: str) -> object:
    def refuse(name: str) -> object:
        raise AssertionError(f"not JSON: {name}")

    return json.loads(text, parse_constant=refuse)


def test_a_cost_that_would_make_a_total_infinite_is_refused(project: Path) -> None:
    """The first report stands; the one that would overflow the effort's total, or the sum
    over all efforts, is refused, so status --json stays valid JSON."""
    from support import run_phasegate

    assert run_phasegate("report", "8.1.1", "--cost", "1e308", cwd=project).code == 0
    for effort in ("8.1.1", "8.1.2"):
        r = run_phasegate("report", effort, "--cost", "1e308", cwd=project)
        assert r.code == 1, (r.out, r.err)
        assert r.err.count("\n") == 1 and "cost: 1e+308 would bring the recorded total" in r.err
    assert run_phasegate("report", "8.1.2", "--cost", "2.5", cwd=project).code == 0
    st = run_phasegate("status", "--json", cwd=project)
    assert st.code == 0
    doc = _strict_json(st.out)
    assert isinstance(doc, dict)
    costs = {e["id"]: e["cost"] for e in doc["efforts"]}
    assert (costs["8.1.1"], costs["8.1.2"]) == (1e308, 2.5)
    assert len(_events(project)) == 2


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--note", "caf\udcff"], None, "note: not valid Unicode text ('\\udcff' at position 3"),
        (
            ["--json"],
            '{"note": "\\ud800"}',
            "note: not valid Unicode text ('\\ud800' at position 0",
        ),
        (["--json"], '{"blocker": "a\\udc00b"}', "blocker: not valid Unicode text"),
        (["--blocker", "\udcff", "--severity", "high"], None, "blocker: not valid Unicode"),
        (["--note", "x", "--key", "\udcff"], None, "refused text that is not valid Unicode"),
    ],
)
def test_text_that_is_not_unicode_is_refused(
    project: Path, args: list[str], stdin: str | None, message: str
) -> None:
    """Refused rather than repaired: what is stored is what was sent, or nothing."""
    from support import run_phasegate

    r = run_phasegate("report", "8.1.1", *args, cwd=project, input=stdin)
    assert r.code == 1, (r.out, r.err)
    assert r.err.count("\n") == 1 and message in r.err and "Traceback" not in r.err, r.err
    assert not (project / ".phasegate" / "state.db").exists() or _events(project) == []


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "JSON on stdin is nested too deeply"),
        ('{"note": ' * 100_000 + "1" + "}" * 100_000, "JSON on stdin is nested too deeply"),
        ('{"tokens": ' + "1" * 5000 + "}", "a number on stdin has too many digits"),
    ],
)
def test_json_the_decoder_cannot_hold_is_refused(project: Path, stdin: str, message: str) -> None:
    from support import run_phasegate

    r = run_phasegate("report", "8.1.1", "--json", cwd=project, input=stdin)
    assert r.code == 1, (r.out, r.err[-500:])
    assert r.err == f"error: malformed report: {message}\n"
    assert not (project / ".phasegate" / "state.db").exists() or _events(project) == []


def test_json_reports_that_are_not_utf8_are_refused_by_field(project: Path) -> None:
    import os
    import subprocess
    import sys

    p = subprocess.run(
        [sys.executable, "-m", "phasegate", "report", "8.1.1", "--json"],
        cwd=project, input=b'{"note":"\xff"}', capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"},
    )  # fmt: skip
    err = p.stderr.decode()
    assert p.returncode == 1 and "note: not valid Unicode" in err and "Traceback" not in err
