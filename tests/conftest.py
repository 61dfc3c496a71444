"""Shared fixtures: real git in temporary directories, and the CLI run in-process or as a
real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """Run phasegate in-process: fast, and exceptions surface as exit codes like the real one."""
    from phasegate.cli.main import run

    def invoke(*args: str) -> CliResult:
        capsys.readouterr()
        code = run(list(args))
        got = capsys.readouterr()
        return CliResult(code, got.out, got.err)

    return invoke


def run_phasegate(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
                  input: str | None = None, timeout: float = 120) -> CliResult:
    """Run phasegate as a real subprocess."""
    full = dict(os.environ)
    full["COLUMNS"] = "200"
    if env:
        full.update(env)
    p = subprocess.run([sys.executable, "-m", "phasegate", *args], cwd=cwd, env=full,
                       capture_output=True, text=True, input=input, timeout=timeout)
    return CliResult(p.returncode, p.stdout, p.stderr)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Iterator[Path]:
    """A fresh git repository with one commit on main."""
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "test@example.com")
    git(path, "config", "user.name", "Test")
    git(path, "config", "commit.gpgsign", "false")
    (path / "README.md").write_text("test repo\n")
    git(path, "add", "-A")
    git(path, "commit", "-q", "-m", "initial")
    yield path
