"""A kcp-phase8 project with effort 8.1.1 started (attempt 1), and MCP clients for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from phasegate.tracking.session import open_session
from support import EXAMPLES


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLES / "kcp-phase8.yaml", tmp_path / "phasegate.yaml")
    for var in (
        "PHASEGATE_DB",
        "PHASEGATE_EFFORT",
        "PHASEGATE_PLAN",
        "PHASEGATE_ATTEMPT",
        "PHASEGATE_TOKEN",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PHASEGATE_USER", "tester")
    monkeypatch.chdir(tmp_path)
    with open_session(None, None) as s:
        s.store.transition("8.1.1", "running", reason="test")
        s.store.transition("8.1.2", "running", reason="test")
    return tmp_path
