"""The plan-facts cache: read back equal, reused for the same content, recomputed for any
other, even an edit that keeps the file's size and modification time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from phasegate.tracking import facts as facts_mod
from phasegate.tracking.facts import load_facts

PLAN = """\
version: 1
project: cached
agents: {max: 2, command: "true"}
efforts:
  - {id: a, size: 2, deliverables: [x], files: [src/a.py]}
  - {id: b, size: 3, depends_on: [a], deliverables: [y], estimate: {low: 2, high: 5}}
"""


def _no_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    import phasegate.plan.load

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the plan was validated again")

    monkeypatch.setattr(phasegate.plan.load, "load_plan", refuse)


def test_facts_read_back_equal_the_computed_ones(tmp_path: Path) -> None:
    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    first, _ = load_facts(str(f))
    second, _ = load_facts(str(f))
    assert second == first and second is not first
    assert second.by_id["b"].estimate == [2.0, 3.0, 5.0]
    assert second.by_id["a"].files == ["src/a.py"]
    assert (
        tmp_path / ".phasegate" / "cache" / f"facts-v{facts_mod.FACTS_VERSION}.marshal"
    ).is_file()


def test_a_touched_plan_with_the_same_content_reuses_its_facts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    first, _ = load_facts(str(f))
    f.write_text(PLAN)  # a checkout writes it again: new times, same bytes
    _no_validation(monkeypatch)
    assert load_facts(str(f))[0] == first
    assert load_facts(str(f))[0] == first


def test_an_edit_keeping_size_and_mtime_is_still_seen(tmp_path: Path) -> None:
    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    load_facts(str(f))
    st = f.stat()
    edited = PLAN.replace("size: 3", "size: 4")
    assert len(edited) == len(PLAN)
    f.write_text(edited)
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # as `cp -p` or a careless tool would
    assert load_facts(str(f))[0].by_id["b"].size == 4


@pytest.mark.parametrize(
    "damage", [b"", b"{}\n", b"not json\n{}", b'{"stamp": 1}\n[]', b'{"sha256": "x"}\n']
)
def test_a_damaged_cache_is_recomputed(tmp_path: Path, damage: bytes) -> None:
    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    want, _ = load_facts(str(f))
    cache = tmp_path / ".phasegate" / "cache" / f"facts-v{facts_mod.FACTS_VERSION}.marshal"
    cache.write_bytes(damage)
    assert load_facts(str(f))[0] == want
    assert load_facts(str(f))[0] == want


def test_a_cache_cut_short_or_from_another_python_is_recomputed(tmp_path: Path) -> None:
    import json
    import marshal

    f = tmp_path / "phasegate.yaml"
    f.write_text(PLAN)
    want, _ = load_facts(str(f))
    cache = tmp_path / ".phasegate" / "cache" / f"facts-v{facts_mod.FACTS_VERSION}.marshal"
    whole = cache.read_bytes()
    cache.write_bytes(whole[: len(whole) // 2])  # the header stands, the facts do not
    assert load_facts(str(f))[0] == want
    head, _, body = cache.read_bytes().partition(b"\n")
    assert body == whole.partition(b"\n")[2]  # written again in full
    other = {**json.loads(head), "python": "2.7.18"}
    cache.write_bytes(json.dumps(other).encode() + b"\n" + marshal.dumps([1, 2]))
    assert load_facts(str(f))[0] == want
    same = json.loads(head)
    cache.write_bytes(json.dumps(same).encode() + b"\n" + marshal.dumps([1, 2]))
    assert load_facts(str(f))[0] == want
