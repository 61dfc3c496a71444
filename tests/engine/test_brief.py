"""The brief carries what the agent needs: objective, scope, handoffs, checks, reporting."""

from __future__ import annotations

from phasegate.engine.brief import Handoff, build
from phasegate.plan.model import Plan


def plan() -> Plan:
    return Plan.model_validate(
        {
            "project": "demo",
            "phases": [{"id": "p1"}],
            "efforts": [
                {"id": "a", "title": "Types"},
                {
                    "id": "b",
                    "title": "Scheduler",
                    "description": "Schedule placements.",
                    "depends_on": ["a"],
                    "files": ["pkg/sched/**"],
                    "deliverables": ["Scheduler struct", "Scoring plugins"],
                    "interfaces": ["Scheduler.Schedule()"],
                    "checks": [{"name": "unit", "run": "go test ./pkg/sched/..."}],
                },
            ],
        }
    )


def test_brief_sections() -> None:
    p = plan()
    text = build(
        p, p.effort("b"), attempt=2, worktrees=True,
        handoffs=[Handoff("a", "Types", "phasegate/a", ["types live in pkg/types"],
                          ["pkg/types/t.go"])],
    )  # fmt: skip
    assert text.startswith("# Effort b: Scheduler\n")
    assert "branch `phasegate/b`. Attempt 2." in text
    assert "Schedule placements." in text
    assert "- Scoring plugins" in text and "- `pkg/sched/**`" in text
    assert "- Scheduler.Schedule()" in text
    assert "### a: Types" in text and "- types live in pkg/types" in text
    assert "- `pkg/types/t.go`" in text
    assert "- unit: `go test ./pkg/sched/...`" in text
    assert 'phasegate report b --task-done "Scheduler struct"' in text


def test_brief_without_worktrees_or_dependencies() -> None:
    p = plan()
    text = build(p, p.effort("a"), attempt=1, worktrees=False, handoffs=[])
    assert "branch" not in text.split("\n")[2]
    assert "depends on no other effort" in text
    assert "no checks of its own" in text
    assert "(not restricted)" in text


def test_brief_carries_the_history_it_is_given() -> None:
    p = plan()
    earlier = ["## What happened before", "", "### Attempt 1: rejected", ""]
    text = build(p, p.effort("b"), attempt=2, worktrees=True, handoffs=[], earlier=earlier)
    assert "\n".join(earlier) in text
    assert "## What happened before" not in build(p, p.effort("b"), attempt=1, worktrees=True,
                                                  handoffs=[])  # fmt: skip


def test_brief_quotes_used_contracts_and_lists_provided_ones() -> None:
    from phasegate.engine.brief import UsedContract

    p = Plan.model_validate(
        {
            "project": "demo",
            "efforts": [
                {"id": "a", "provides": [
                    {"name": "Types", "path": "pkg/t.go", "pattern": "type T struct"},
                    {"name": "api", "kind": "openapi", "path": "api.yaml", "pattern": "/t"},
                    {"name": "build", "kind": "command", "command": "make", "description": "all"},
                ]},
                {"id": "b", "depends_on": ["a"], "uses": ["Types", "Missing"]},
            ],
        }
    )  # fmt: skip
    used = [
        UsedContract("Types", "a", "pkg/t.go", "type T struct {\n\tID string\n}"),
        UsedContract("Missing", None, "", "", "no effort of the plan provides it"),
    ]
    text = build(p, p.effort("b"), attempt=1, worktrees=True, handoffs=[], contracts=used)
    assert "## Contracts you use" in text
    assert (
        "### Types (provided by a, in `pkg/t.go`)\n\n```\ntype T struct {\n\tID string\n}\n```"
        in text
    )
    assert (
        "### Missing\n\nNot available on the integration branch: no effort of the plan provides it."
        in text
    )
    assert "## Contracts you provide" not in text
    provider = build(p, p.effort("a"), attempt=1, worktrees=True, handoffs=[])
    assert "## Contracts you use" not in provider
    assert "- Types: `type T struct` defined in `pkg/t.go`" in provider
    assert "- api: the path `/t` in `api.yaml`" in provider
    assert "- build: `make` passes (all)" in provider
