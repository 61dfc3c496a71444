"""$PHASEGATE_BRIEF quoted everywhere; an agent that could not read its brief fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from phasegate.plan.shellvars import unquoted_uses
from support import EXAMPLES, ROOT, run_phasegate

B = "PHASEGATE_BRIEF"


@pytest.mark.parametrize(
    ("command", "unquoted"),
    [
        ('claude -p "$(cat $PHASEGATE_BRIEF)"', 1),
        ('claude -p "$(cat "$PHASEGATE_BRIEF")"', 0),
        ('aider --message-file "$PHASEGATE_BRIEF"', 0),
        ("cat ${PHASEGATE_BRIEF} | agent", 1),
        ("echo '$PHASEGATE_BRIEF'", 0),
        ("cat $PHASEGATE_BRIEFS", 0),
        ('x "$(cat "$PHASEGATE_BRIEF") $(echo $PHASEGATE_BRIEF)"', 1),
        ('x \\"$PHASEGATE_BRIEF', 1),
    ],
)
def test_unquoted_uses(command: str, unquoted: int) -> None:
    assert unquoted_uses(command, B) == unquoted


def test_shipped_plans_quote_the_brief() -> None:
    import yaml

    texts = [ROOT / "src/phasegate/templates/init.yaml", *sorted(EXAMPLES.glob("*.yaml"))]
    for path in texts:
        doc = yaml.safe_load(path.read_text())
        cmds = [(doc.get("agents") or {}).get("command")]
        cmds += [e.get("command") for e in doc.get("efforts") or []]
        for c in cmds:
            if isinstance(c, str):
                assert unquoted_uses(c, B) == 0, (path.name, c)
    readme = (ROOT / "README.md").read_text()
    assert "$(cat $PHASEGATE_BRIEF)" not in readme


def test_check_warns_and_a_spaced_path_fails_the_attempt(project, states) -> None:  # type: ignore[no-untyped-def]
    plan = """
    version: 1
    project: spaced
    agents: {command: "test -n \\\"$(cat $PHASEGATE_BRIEF)\\\"", retries: 0}
    efforts:
      - {id: a, files: ["a/**"], deliverables: [a], allow_empty: true}
    """
    repo: Path = project(plan, name="my repo")
    c = run_phasegate("check", cwd=repo)
    assert "$PHASEGATE_BRIEF is not in double quotes" in c.err + c.out
    r = run_phasegate("run", "--plain", cwd=repo)
    assert r.code == 1
    efforts, _ = states(repo)
    assert efforts["a"][0] == "failed" and "brief cannot be read" in efforts["a"][1]
