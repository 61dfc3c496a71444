"""Blockers do not pile up: a repeated report is the same blocker, done work closes its
blockers, and a person can resolve one by id."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from phasegate.store import open_store
from support import CliResult

Cli = Callable[..., CliResult]


def _blockers(project: Path) -> list[tuple[str, str | None, bool, str | None]]:
    with open_store(None, state_dir=project / ".phasegate") as s:
        return [(b.id, b.effort, b.open, b.resolved_by) for b in s.blockers()]


def test_a_repeated_blocker_is_not_opened_twice(project: Path, cli: Cli) -> None:
    for _ in range(2):
        r = cli("report", "8.1.1", "--blocker", "API not reviewed", "--severity", "high")
        assert r.code == 0, r.err
    assert _blockers(project) == [("B1", "8.1.1", True, None)]
    # Another text is another blocker.
    assert cli("report", "8.1.1", "--blocker", "flaky CI", "--severity", "low").code == 0
    assert [b[0] for b in _blockers(project)] == ["B1", "B2"]


def test_done_closes_the_efforts_blockers(project: Path, cli: Cli) -> None:
    assert cli("report", "8.1.1", "--blocker", "API not reviewed").code == 0
    assert cli("report", "8.1.2", "--blocker", "waiting on 8.1.1").code == 0
    assert cli("start", "8.1.1").code == 0
    assert cli("done", "8.1.1", "--skip-checks").code == 0
    assert _blockers(project) == [
        ("B1", "8.1.1", False, "effort done"),
        ("B2", "8.1.2", True, None),
    ]
    # Reported again after it closed, it is a new blocker.
    assert cli("report", "8.1.1", "--blocker", "API not reviewed").code == 0
    assert [b[0] for b in _blockers(project)] == ["B1", "B2", "B3"]


def test_resolve_blocker(project: Path, cli: Cli) -> None:
    assert cli("report", "8.1.1", "--blocker", "API not reviewed").code == 0
    r = cli("resolve-blocker", "B1")
    assert r.code == 0 and "B1 resolved" in r.out
    assert _blockers(project) == [("B1", "8.1.1", False, "tester")]
    assert "already resolved" in cli("resolve-blocker", "b1").out
    bad = cli("resolve-blocker", "B9")
    assert bad.code == 2 and "no blocker 'B9'" in bad.err
    assert "resolve-blocker" in cli("--help").out
