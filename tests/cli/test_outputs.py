"""Files commands write: never over recorded state or the plan, over other files only when
asked; and bad template or benchmark input is a message, not a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

from support import EXAMPLES, run_phasegate


def _plan_dir(tmp_path: Path) -> Path:
    shutil.copy(EXAMPLES / "kcp-phase8.yaml", tmp_path / "phasegate.yaml")
    assert run_phasegate("report", "8.1.1", "--note", "keep me", cwd=tmp_path).code == 0
    return tmp_path


def test_doc_and_export_never_write_over_state_or_the_plan(tmp_path: Path) -> None:
    d = _plan_dir(tmp_path)
    for args in (
        ("doc", "-k", "status", "-o", ".phasegate/state.db", "--force"),
        ("export", "--to", "taskmaster", "-o", ".phasegate/state.db", "--force"),
    ):
        r = run_phasegate(*args, cwd=d)
        assert r.code == 2 and "inside the state directory" in r.err, r.err
    r = run_phasegate("export", "--to", "taskmaster", "-o", "phasegate.yaml", cwd=d)
    assert r.code == 2 and "is the plan itself" in r.err
    assert run_phasegate("check", cwd=d).code == 0
    log = run_phasegate("log", cwd=d)
    assert log.code == 0 and "keep me" in log.out


def test_existing_files_need_force_unless_phasegate_wrote_them(tmp_path: Path) -> None:
    d = _plan_dir(tmp_path)
    (d / "HAND.md").write_text("my own notes\n")
    r = run_phasegate("doc", "-k", "status", "-o", "HAND.md", cwd=d)
    assert r.code == 2 and "already exists; use --force" in r.err
    assert (d / "HAND.md").read_text() == "my own notes\n"
    # A document phasegate wrote is regenerated in place, as a status file is day after day.
    assert run_phasegate("doc", "-k", "status", "-o", "STATUS.md", cwd=d).code == 0
    assert run_phasegate("doc", "-k", "status", "-o", "STATUS.md", cwd=d).code == 0
    assert run_phasegate("doc", "-k", "status", "-o", "HAND.md", "--force", cwd=d).code == 0
    (d / "tasks.json").write_text("{}")
    r = run_phasegate("export", "--to", "taskmaster", "-o", "tasks.json", cwd=d)
    assert r.code == 2 and (d / "tasks.json").read_text() == "{}"
    for args in (("export", "--to", "taskmaster", "-o", str(d)), ("init", "-o", "")):
        r = run_phasegate(*args, cwd=d)
        assert r.code == 2 and "Traceback" not in r.err and r.err.startswith("error:"), r.err
    r = run_phasegate("export", "--to", "taskmaster", "-o", "new/dir/tasks.json", cwd=d)
    assert r.code == 0 and (d / "new" / "dir" / "tasks.json").exists()


def test_a_failing_user_template_is_a_message(tmp_path: Path) -> None:
    d = _plan_dir(tmp_path)
    (d / "tpl").mkdir()
    (d / "tpl" / "status.md.j2").write_text("{{ 1/0 }}\n")
    r = run_phasegate("doc", "-k", "status", "--templates", "tpl", cwd=d)
    assert r.code == 2 and "ZeroDivisionError" in r.err and "Traceback" not in r.err
    (d / "tpl" / "status.md.j2").write_bytes(b"\xff\xfe{{ project }}\n")
    r = run_phasegate("doc", "-k", "status", "--templates", "tpl", cwd=d)
    assert r.code == 2 and "not UTF-8" in r.err


def test_wave_plan_of_a_plan_without_efforts(tmp_path: Path) -> None:
    (tmp_path / "phasegate.yaml").write_text("version: 1\nproject: empty\nefforts: []\n")
    r = run_phasegate("doc", "-k", "wave-plan", cwd=tmp_path)
    assert r.code == 0, r.err
    assert "widest wave: 0" in r.out


def test_stg_header_larger_than_the_file(tmp_path: Path) -> None:
    (tmp_path / "big.stg").write_text("99999999999\n0 0 0\n1 0 0\n")
    r = run_phasegate("import", "big.stg", "--from", "stg", cwd=tmp_path)
    # A malformed input file is a finding about the file (1), not a usage error (2).
    assert r.code == 1 and "the header says 99999999999 tasks" in r.err, r.err
