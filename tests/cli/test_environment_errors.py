"""A full disk, a read-only or damaged store are the environment's doing: exit 2, with what
to do, never an internal error."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

import pytest

from phasegate.cli import main
from phasegate.errors import environment_message
from support import EXAMPLES, run_phasegate


def _plan(tmp_path: Path) -> Path:
    (tmp_path / "phasegate.yaml").write_text((EXAMPLES / "kcp-phase8.yaml").read_text())
    return tmp_path


def test_a_damaged_store_is_an_environment_error(tmp_path: Path) -> None:
    root = _plan(tmp_path)
    assert run_phasegate("report", "8.1.1", "--note", "x", cwd=root).code == 0
    db = root / ".phasegate" / "state.db"
    for name in ("state.db-wal", "state.db-shm"):
        (root / ".phasegate" / name).unlink(missing_ok=True)
    raw = bytearray(db.read_bytes())
    page = 4096
    raw[page : len(raw)] = b"\xa5" * (len(raw) - page)  # the header survives, the pages do not
    db.write_bytes(bytes(raw))
    r = run_phasegate("status", cwd=root)
    assert r.code == 2, r.out + r.err
    assert "store is damaged" in r.err or "cannot open" in r.err
    assert "bug report" not in r.err and "Traceback" not in r.err


@pytest.mark.parametrize(
    ("exc", "said"),
    [
        (OSError(errno.ENOSPC, "No space left on device", "state.db"), "no space left"),
        (sqlite3.OperationalError("database or disk is full"), "no space left"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "cannot write"),
        (OSError(errno.EROFS, "Read-only file system", ".phasegate/logs"), "cannot write"),
        (sqlite3.DatabaseError("database disk image is malformed"), "store is damaged"),
    ],
)
def test_environment_failures_exit_2_with_what_to_do(
    exc: Exception,
    said: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    root = _plan(tmp_path)
    monkeypatch.chdir(root)

    def broken(*args: object, **kwargs: object) -> object:
        raise exc

    monkeypatch.setattr("phasegate.tracking.session.open_session", broken)
    assert main.run(["status"]) == 2
    err = capsys.readouterr().err
    assert said in err and "hint:" in err and "bug report" not in err


def test_a_real_bug_is_still_an_internal_error() -> None:
    assert environment_message(ValueError("bad")) is None
    assert environment_message(sqlite3.OperationalError("no such column: x")) is None
