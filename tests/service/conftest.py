"""A kcp-phase8 project in a temporary directory, for the tracking commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from support import EXAMPLES


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copy(EXAMPLES / "kcp-phase8.yaml", tmp_path / "phasegate.yaml")
    for var in ("PHASEGATE_DB", "PHASEGATE_EFFORT", "PHASEGATE_PLAN", "PHASEGATE_ATTEMPT"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PHASEGATE_USER", "tester")
    monkeypatch.chdir(tmp_path)
    return tmp_path
