"""Every kind of plan mistake gets a located, one-line message, all in one pass."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from phasegate.errors import PlanInvalid
from phasegate.plan.load import load_text

BASE = """\
version: 1
project: demo
phases:
  - id: p1
  - id: p2
efforts:
  - {id: a, phase: p1, deliverables: [x]}
  - {id: b, phase: p1, depends_on: [a], deliverables: [x]}
  - {id: c, phase: p2, depends_on: [b], deliverables: [x]}
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(PlanInvalid) as info:
        load_text(textwrap.dedent(text), "plan.yaml")
    return [d.render() for d in info.value.diagnostics if d.severity == "error"]


def test_valid_base_loads() -> None:
    loaded = load_text(BASE, "plan.yaml")
    assert [e.id for e in loaded.plan.efforts] == ["a", "b", "c"]
    assert loaded.plan.branch_of(loaded.plan.efforts[0]) == "phasegate/a"
    assert loaded.plan.efforts[0].size == 1


def test_yaml_syntax_error_has_line_and_column() -> None:
    errs = errors_of("project: x\nefforts:\n  - {id: a\n  - id: b\n")
    assert len(errs) == 1
    assert errs[0].startswith("plan.yaml:4:")
    assert "YAML syntax" in errs[0]


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"", "empty"),
        (b"   \n# only a comment\n", "empty"),
        (b"\x00\x01\x02binary\xff", "not a text file"),
        (b"project: \xff\xfe\n", "not UTF-8"),
        (b"- a\n- b\n", "not a list"),
        (b"just a string\n", "not a string"),
        (b"42\n", "not a number"),
    ],
)
def test_junk_gets_one_line(raw: bytes, needle: str) -> None:
    with pytest.raises(PlanInvalid) as info:
        load_text(raw, "plan.yaml")
    lines = info.value.lines()
    assert len(lines) == 1
    assert needle in lines[0]
    assert lines[0].startswith("plan.yaml:")


def test_unknown_key_suggests_the_right_one() -> None:
    errs = errors_of(BASE.replace("{id: b, phase: p1, depends_on", "{id: b, phase: p1, dependson"))
    assert any("unknown key 'dependson'; did you mean 'depends_on'?" in e for e in errs)
    assert any(e.startswith("plan.yaml:8:") for e in errs)


def test_unknown_top_level_key_lists_choices_when_nothing_is_close() -> None:
    errs = errors_of(BASE + "zzzzzz: 1\n")
    assert any("unknown key 'zzzzzz'" in e and "expected one of" in e for e in errs)


def test_wrong_types_are_located() -> None:
    errs = errors_of(BASE.replace("{id: a, phase: p1,", "{id: a, phase: p1, size: lots,"))
    assert any(e.startswith("plan.yaml:7:") and "size" in e for e in errs)


def test_duplicate_ids() -> None:
    errs = errors_of(BASE + "  - {id: a, phase: p2, deliverables: [x]}\n")
    assert any("duplicate id 'a'" in e and e.startswith("plan.yaml:10:") for e in errs)


def test_unknown_dependency_with_hint() -> None:
    errs = errors_of(BASE.replace("depends_on: [a]", "depends_on: [aa]"))
    assert any("depends on unknown effort 'aa'; did you mean 'a'?" in e for e in errs)


def test_cycle_is_printed_as_a_path_with_location() -> None:
    text = """\
    version: 1
    project: demo
    efforts:
      - {id: a, depends_on: [c], deliverables: [x]}
      - {id: b, depends_on: [a], deliverables: [x]}
      - {id: c, depends_on: [b], deliverables: [x]}
    """
    errs = errors_of(text)
    assert len(errs) == 1
    assert "dependency cycle:" in errs[0]
    cycle = errs[0].split("dependency cycle: ")[1].split(" (at")[0].split(" -> ")
    assert cycle[0] == cycle[-1]
    assert sorted(cycle[:-1]) == ["a", "b", "c"]
    assert errs[0].startswith("plan.yaml:")
    assert ":4:" in errs[0] or ":5:" in errs[0] or ":6:" in errs[0]


def test_self_dependency() -> None:
    errs = errors_of("project: x\nefforts:\n  - {id: a, depends_on: [a]}\n")
    assert any("depends on itself" in e for e in errs)


def test_two_cycles_both_reported() -> None:
    text = """\
    project: x
    efforts:
      - {id: a, depends_on: [b]}
      - {id: b, depends_on: [a]}
      - {id: c, depends_on: [d]}
      - {id: d, depends_on: [c]}
    """
    errs = errors_of(text)
    assert sum("dependency cycle" in e for e in errs) == 2


def test_unknown_phase_and_missing_phase() -> None:
    errs = errors_of(
        BASE.replace("{id: c, phase: p2,", "{id: c, phase: p3,").replace(
            "{id: a, phase: p1,", "{id: a,"
        )
    )
    assert any("unknown phase 'p3'" in e for e in errs)
    assert any("effort 'a' has no phase" in e for e in errs)


def test_dependency_on_a_later_phase() -> None:
    errs = errors_of(
        BASE.replace(
            "{id: a, phase: p1, deliverables", "{id: a, phase: p1, depends_on: [c], deliverables"
        )
    )
    # a -> c is also a cycle through b; the cycle is what is reported first
    assert errs
    text = (
        BASE.replace("{id: b, phase: p1, depends_on: [a]", "{id: b, phase: p1, depends_on: [a, d]")
        + "  - {id: d, phase: p2, deliverables: [x]}\n"
    )
    errs = errors_of(text)
    assert any("depends on 'd' of phase 'p2', which comes after it" in e for e in errs)


def test_phase_cycle() -> None:
    text = """\
    project: x
    phases:
      - {id: p1, after: [p2]}
      - {id: p2, after: [p1]}
    """
    errs = errors_of(text)
    assert any("phase cycle: " in e and "p1" in e and "p2" in e for e in errs)


@pytest.mark.parametrize("bad", ["'>= lots'", "'=> 5'", "'95%%'", "'>>5'"])
def test_bad_thresholds(bad: str) -> None:
    text = BASE.replace(
        "  - id: p1\n", f"  - id: p1\n    gate: {{require: {{deliverables: {bad}}}}}\n"
    )
    errs = errors_of(text)
    assert any("threshold" in e and "gate.require.deliverables" in e for e in errs)


def test_good_thresholds_and_durations() -> None:
    text = BASE.replace(
        "  - id: p1\n",
        "  - id: p1\n    gate:\n      checks: [{run: 'true', timeout: 1h30m}]\n"
        "      require: {deliverables: '>= 95%', critical_blockers: 0, conflicts: '< 1'}\n",
    )
    loaded = load_text(text, "plan.yaml")
    assert loaded.plan.phases[0].gate.require.deliverables == ">= 95%"


@pytest.mark.parametrize("bad", ["2 hours", "h2", "10x", "-5"])
def test_bad_durations(bad: str) -> None:
    errs = errors_of(BASE + f"agents: {{timeout: '{bad}'}}\n")
    assert any("duration" in e and "agents.timeout" in e for e in errs)


def test_wave_labels_that_contradict_dependencies() -> None:
    text = BASE.replace("{id: a, phase: p1,", "{id: a, phase: p1, wave: 2,")
    text = text.replace("{id: b, phase: p1,", "{id: b, phase: p1, wave: 1,").replace(
        "{id: c, phase: p2,", "{id: c, phase: p2, wave: 3,"
    )
    errs = errors_of(text)
    assert any("wave label 1 of 'b' contradicts" in e for e in errs)


def test_wave_labels_must_respect_phase_order() -> None:
    text = BASE.replace("{id: a, phase: p1,", "{id: a, phase: p1, wave: 1,")
    text = text.replace("{id: b, phase: p1,", "{id: b, phase: p1, wave: 2,").replace(
        "{id: c, phase: p2,", "{id: c, phase: p2, wave: 2,"
    )
    errs = errors_of(text)
    assert any("wave label 2 of 'c'" in e for e in errs)


def test_partial_wave_labels() -> None:
    errs = errors_of(BASE.replace("{id: a, phase: p1,", "{id: a, phase: p1, wave: 1,"))
    assert any("no wave label while others have one" in e for e in errs)


def test_many_errors_in_one_pass() -> None:
    text = BASE.replace("depends_on: [a]", "depends_on: [zz]").replace(
        "{id: c, phase: p2,", "{id: c, phase: p9, size: -1,"
    )
    text += "agents: {timeout: forever}\nbogus: 1\n"
    errs = errors_of(text)
    kinds = ["unknown effort 'zz'", "unknown phase 'p9'", "size", "duration", "unknown key 'bogus'"]
    for k in kinds:
        assert any(k in e for e in errs), (k, errs)


def test_warnings_do_not_fail_unless_strict() -> None:
    text = """\
    project: x
    efforts:
      - {id: a, files: ["src/*.py"]}
      - {id: b, files: ["src/main.py"], deliverables: [y]}
    """
    loaded = load_text(textwrap.dedent(text), "plan.yaml")
    msgs = [w.message for w in loaded.warnings]
    assert any("declares no deliverables" in m for m in msgs)
    assert any("may run at the same time" in m and "'a'" in m and "'b'" in m for m in msgs)
    with pytest.raises(PlanInvalid):
        load_text(textwrap.dedent(text), "plan.yaml", strict=True)


def test_overlap_not_warned_when_ordered() -> None:
    text = """\
    project: x
    efforts:
      - {id: a, files: ["src/*.py"], deliverables: [y]}
      - {id: b, files: ["src/main.py"], depends_on: [a], deliverables: [y]}
    """
    loaded = load_text(textwrap.dedent(text), "plan.yaml")
    assert loaded.warnings == []


def test_duplicate_yaml_keys() -> None:
    errs = errors_of("project: x\nproject: y\n")
    assert any("duplicate key 'project'" in e and e.startswith("plan.yaml:2:") for e in errs)


def test_numeric_ids_are_accepted_and_float_ids_explained() -> None:
    loaded = load_text(
        "project: x\nefforts:\n  - {id: 1}\n  - {id: 2, depends_on: [1]}\n", "p.yaml"
    )
    assert loaded.plan.efforts[1].depends_on == ["1"]
    errs = errors_of("project: x\nefforts:\n  - {id: 8.1}\n")
    assert any("quote it" in e for e in errs)


def test_cli_exit_codes(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "project: x\nefforts:\n  - {id: a, depends_on: [b]}\n  - {id: b, depends_on: [a]}\n"
    )
    r = cli("check", "-f", str(bad))
    assert r.code == 1
    assert "dependency cycle: " in r.err and f"{bad}:" in r.err
    assert "Traceback" not in r.err
    r = cli("check", "-f", str(tmp_path / "missing.yaml"))
    assert r.code == 2
    assert "not found" in r.err
    r = cli("check", "-f", str(bad), "--json")
    assert r.code == 1
    assert '"ok": false' in r.out


def test_files_outside_the_repository_are_plan_errors() -> None:
    import pytest as _pytest

    from phasegate.errors import PlanInvalid
    from phasegate.plan.load import load_text

    text = (
        "version: 1\nproject: p\nefforts:\n"
        '  - {id: a, deliverables: [x], files: ["../**", "/etc/**", "src/../../x", "ok/../src/**"]}\n'
    )
    with _pytest.raises(PlanInvalid) as e:
        load_text(text, "plan.yaml")
    msgs = [d.render() for d in e.value.diagnostics if d.severity == "error"]
    assert len(msgs) == 3, msgs
    assert any("'../**'" in m and "'..'" in m for m in msgs)
    assert any("'/etc/**'" in m and "absolute" in m for m in msgs)
    assert all(m.startswith("plan.yaml:4:") for m in msgs)
