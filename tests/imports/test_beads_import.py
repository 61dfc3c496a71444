"""beads issues.jsonl: blocking links only, epics as phases, statuses, located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from imports.helpers import DATA, graph_of, imported_plan
from phasegate.imports import detect, read
from phasegate.imports.build import SourceError

ISSUES = DATA / "bd" / ".beads" / "issues.jsonl"


def test_issues_file_is_detected_and_imported() -> None:
    assert detect(ISSUES) == "beads"
    imp = read(str(ISSUES))
    loaded = imported_plan(ISSUES)
    plan = loaded.plan
    g = graph_of(loaded)
    # the epic is a phase, not an effort; its children join it
    assert [p.id for p in plan.phases] == ["bd-a1"]
    assert plan.effort("bd-c3").phase == "bd-a1"
    assert "bd-a1" not in g
    # blocks and waits-for order work; related and discovered-from do not
    assert g["bd-c3"] == {"bd-b2"}
    assert g["bd-d4"] == {"bd-c3", "ext-9"}
    assert g["bd-e5"] == set()
    # blocked by the epic: waits for every issue under it; the tombstoned blocker is gone
    assert g["bd-g7"] == {"bd-b2", "bd-c3", "bd-d4"}
    # closed and waited for: external prerequisite; an undefined id: external with a warning
    assert {x.id for x in plan.external} == {"bd-b2", "ext-9"}
    assert any("ext-9" in w for w in imp.warnings)
    assert "bd-f6" not in g
    assert imp.state == {"bd-c3": "running", "bd-g7": "blocked"}
    c3 = plan.effort("bd-c3")
    assert (c3.owner, c3.priority, c3.size) == ("ben", "critical", 8)
    assert plan.units == "hours"
    assert plan.effort("bd-e5").priority == "low"


def test_parent_child_without_epic_is_a_roll_up(tmp_path: Path) -> None:
    p = tmp_path / "issues.jsonl"
    p.write_text(
        '{"id": "x-1", "title": "parent", "status": "open", "dependencies": '
        '[{"issue_id": "x-1", "depends_on_id": "x-0", "type": "blocks"}]}\n'
        '{"id": "x-0", "title": "first", "status": "open"}\n'
        '{"id": "x-2", "title": "child", "status": "open", "dependencies": '
        '[{"issue_id": "x-2", "depends_on_id": "x-1", "type": "parent-child"}]}\n'
    )
    g = graph_of(imported_plan(p, "beads"))
    assert g["x-1"] == {"x-0", "x-2"}
    assert g["x-2"] == {"x-0"}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"id": "a", "title": "t"}\n{"id": "b", "title": \n', 2, "not a JSON object"),
        ('{"id": "a", "title": "t"}\n\n[1, 2]\n', 3, "one JSON object"),
        ('{"title": "no id"}\n', 1, "no usable 'id'"),
        ('{"id": "a", "dependencies": [{"type": "blocks"}]}\n', 1, "depends_on_id"),
        (
            '{"id": "a", "dependencies": ["b"]}\n{"id": "b", "dependencies": ["a"]}\n',
            0,
            "dependency cycle",
        ),
    ],
)
def test_malformed_lines_fail_with_the_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    p = tmp_path / "issues.jsonl"
    p.write_text(text)
    with pytest.raises(SourceError) as e:
        read(str(p), "beads")
    assert words in e.value.message
    if line:
        assert e.value.line == line


def test_an_estimate_past_the_largest_size_imports_to_a_plan_that_loads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Found by Hypothesis: 60000000001 minutes rounds to 1000000000.02 hours, past the bound.
    import json as _json

    from phasegate.imports import read
    from phasegate.imports.emit import dump
    from phasegate.plan.load import load_text

    p = tmp_path / "issues.jsonl"
    p.write_text(_json.dumps({"id": "a", "estimated_minutes": 60000000001}) + "\n")
    plan = load_text(dump(read(str(p), "beads")), "out.yaml").plan
    assert plan.efforts[0].size <= 1e9
