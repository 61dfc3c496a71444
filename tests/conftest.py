"""Shared fixtures: real git in temporary directories, and the CLI run in-process."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import settings

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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly which real components were missing, so a local green run that skipped
    them is not mistaken for a full one (under CI=true those tests failed instead)."""
    from components import MISSING

    for component, how in sorted(MISSING.items()):
        terminalreporter.write_line(
            f"MISSING COMPONENT: {component}: its tests were skipped ({how})", red=True, bold=True
        )
