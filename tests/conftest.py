"""Shared fixtures: real git in temporary directories, and the CLI run in-process."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

import pgserver
from support import CliResult, init_repo

# Local runs explore new random examples every time (that is how property tests find bugs);
# CI replays a fixed derandomized sequence so a submission's result does not depend on luck.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run phasegate in-process: fast, and exit codes come from the real handler."""
    from phasegate.cli.main import run

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = run(list(args))
        got = capsys.readouterr()
        return CliResult(code, got.out, got.err)

    return invoke


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A fresh git repository with one commit on main."""
    return init_repo(tmp_path / "repo")


# Why PostgreSQL tests were skipped in this run, for the summary (None: none were).
_PG_SKIPPED: list[str] = []


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.Server]:
    """One throw-away PostgreSQL per test process (each xdist worker starts its own).

    Missing PostgreSQL fails the run under CI=true (a skipped backend would pass unseen)
    and skips locally, with a line in the summary saying what to install."""
    why = pgserver.missing()
    if why is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI=true and no PostgreSQL to test against: {why}", pytrace=False)
        _PG_SKIPPED.append(why)
        pytest.skip(why)
    server = pgserver.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: pgserver.Server) -> str:
    """A PostgreSQL store of its own (an empty schema) for one test."""
    return pg_server.fresh_url()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if _PG_SKIPPED or any("PostgreSQL" in str(getattr(r, "longrepr", "")) for r in skipped):
        terminalreporter.write_line(
            "!!! PostgreSQL tests were SKIPPED: the team store is untested in this run. "
            + pgserver.INSTALL_HINT,
            red=True,
            bold=True,
        )
