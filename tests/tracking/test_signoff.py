"""Gate criteria a person signs off: by number or text, required by the gate, listed with
who signed and when in the handoff document (seed 001's handoff validation, examples/rig.yaml)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from phasegate.plan.load import load_plan
from support import EXAMPLES, CliResult

Cli = Callable[..., CliResult]


@pytest.fixture
def rig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("PHASEGATE_DB", raising=False)
    monkeypatch.setenv("PHASEGATE_USER", "dana")
    target = tmp_path / "rig.yaml"
    shutil.copy(EXAMPLES / "rig.yaml", target)
    return target


def _criteria_reasons(cli: Cli, plan: Path) -> list[str]:
    r = cli("gate", "p1", "-f", str(plan), "--json")
    doc = json.loads(r.out)
    return [x for x in doc["reasons"] if x.startswith("criterion ")]


def test_gate_needs_every_criterion_signed_and_the_handoff_lists_who(cli: Cli, rig: Path) -> None:
    criteria = load_plan(str(rig)).plan.phases[0].gate.criteria
    assert len(criteria) == 5
    assert len(_criteria_reasons(cli, rig)) == 5
    r = cli("signoff", "p1", "1", "--as", "lead-developer", "-f", str(rig))
    assert r.code == 0, r.err
    assert "criterion 1 signed off as lead-developer by dana" in r.out
    r = cli("signoff", "p1", "retries gracefully", "--as", "qa-engineer", "--note",
            "pulled the cable twice", "-f", str(rig), "--json")  # fmt: skip
    doc = json.loads(r.out)
    assert (doc["number"], doc["role"], doc["by"], doc["recorded"]) == (
        2, "qa-engineer", "dana", True,
    )  # fmt: skip
    assert len(doc["unsigned"]) == 3
    reasons = _criteria_reasons(cli, rig)
    assert [x.split(" not")[0] for x in reasons] == ["criterion 3", "criterion 4", "criterion 5"]
    for k in ("3", "4", "5"):
        assert cli("signoff", "p1", k, "--as", "lead-developer", "-f", str(rig)).code == 0
    assert _criteria_reasons(cli, rig) == []
    r = cli("doc", "--kind", "handoff", "-f", str(rig))
    assert r.code == 0, r.err
    text = r.out
    assert (
        "- [x] 1. `rig login` successfully authenticates with Max platform — signed off by dana as lead-developer on "
        in text
    )
    assert "as qa-engineer on " in text and "(pulled the cable twice)" in text
    assert (
        "- [ ] 1. WebSocket connections stable across network interruptions — awaiting sign-off"
        in text
    )


def test_signing_twice_is_recorded_once(cli: Cli, rig: Path) -> None:
    assert cli("signoff", "p1", "1", "--as", "qa-engineer", "-f", str(rig)).code == 0
    r = cli("signoff", "p1", "1", "--as", "qa-engineer", "-f", str(rig))
    assert r.code == 0 and "(already recorded)" in r.out


@pytest.mark.parametrize(
    ("phase", "which", "message"),
    [
        ("p1", "9", "phase 'p1' has criteria 1 to 5, not 9"),
        ("p1", "quantum", "no criterion of phase 'p1' matches 'quantum': 1. `rig login`"),
        ("p1", "with", "'with' matches 2 criteria of 'p1'"),
        ("p5", "1", "phase 'p5' has no gate criteria to sign off"),
        ("p9", "1", "unknown phase 'p9'"),
    ],
)
def test_bad_criterion_is_a_usage_error(
    cli: Cli, rig: Path, phase: str, which: str, message: str
) -> None:
    r = cli("signoff", phase, which, "--as", "qa-engineer", "-f", str(rig))
    assert r.code == 2
    assert message in r.err
    assert "Traceback" not in r.err
