"""The validated-plan cache: used only for the very same file, checked by the same code."""

from __future__ import annotations

from pathlib import Path

import pytest

from phasegate.errors import PlanInvalid
from phasegate.plan import compiled
from phasegate.plan.load import load_plan

PLAN = """\
version: 1
project: cached
agents: {max: 2, command: "true"}
efforts:
  - {id: a, size: 2, deliverables: [x]}
  - {id: b, size: 3, depends_on: [a], deliverables: [y]}
"""


def entry(root: Path) -> Path:
    (root / ".phasegate").mkdir(exist_ok=True)  # as a first run leaves it
    return root / ".phasegate" / "cache" / "plan.pickle"


def test_a_second_load_comes_from_the_cache_and_equals_the_first(tmp_path: Path) -> None:
    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    load_plan(str(f))
    assert not (tmp_path / ".phasegate").exists(), "no state directory made by a load"
    e = entry(tmp_path)
    first = load_plan(str(f))
    assert e.is_file()
    second = load_plan(str(f))
    assert second.plan == first.plan
    assert second.plan is not first.plan  # read back, not the same object
    assert [e.id for e in second.graph.nodes] == ["a", "b"]


def test_an_edited_plan_is_validated_again(tmp_path: Path) -> None:
    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    load_plan(str(f))
    f.write_text(PLAN.replace("depends_on: [a]", "depends_on: [nope]"))
    with pytest.raises(PlanInvalid) as e:
        load_plan(str(f))
    assert any("nope" in d.message for d in e.value.diagnostics)
    f.write_text(PLAN.replace("size: 3", "size: 5"))
    assert load_plan(str(f)).plan.effort("b").size == 5


def test_a_damaged_entry_is_ignored(tmp_path: Path) -> None:
    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    e = entry(tmp_path)
    load_plan(str(f))
    e.write_bytes(e.read_bytes()[:40])  # the key survives, the pickle does not
    assert load_plan(str(f)).plan.project == "cached"
    e.write_bytes(b"\x00garbage")
    assert load_plan(str(f)).plan.project == "cached"


def test_the_key_covers_the_name_and_strictness(tmp_path: Path) -> None:
    raw = PLAN.encode()
    keys = {compiled.key(raw, "a.yaml", False), compiled.key(raw, "b.yaml", False),
            compiled.key(raw, "a.yaml", True), compiled.key(raw + b"\n", "a.yaml", False)}  # fmt: skip
    assert len(keys) == 4


def test_a_load_before_the_state_exists_is_cached_once_a_run_makes_it(tmp_path: Path) -> None:
    from phasegate.engine.workspace import Workspace

    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    loaded = load_plan(str(f))
    assert not (tmp_path / ".phasegate").exists()
    ws = Workspace.open(loaded.plan, f, loaded.state_dir, "", worktrees=False)
    ws.prepare()
    cached = tmp_path / ".phasegate" / "cache" / "plan.pickle"
    assert cached.is_file()
    hit = compiled.get(loaded.state_dir, compiled.key(f.read_bytes(), str(f), False))
    assert hit is not None and hit.plan == loaded.plan
