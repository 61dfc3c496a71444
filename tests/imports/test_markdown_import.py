"""Markdown plans without a diagram: workstream sections, checklists, dependency blocks."""

from __future__ import annotations

from pathlib import Path

from imports.helpers import graph_of, imported_plan
from phasegate.imports import read

CHECKLISTS = """# Website relaunch

## Phase 1: Foundations
- [x] 1.1 Pick the framework
- [ ] 1.2 Set up CI (depends on: 1.1)
  - [ ] lint job
  - [ ] test job

## Phase 2: Pages
- [ ] 2.1 Landing page (depends on: 1.2)
- [ ] Pricing page (after: 2.1, design-system)
"""

SECTIONS = """# Q3 plan

### Search service
**Branch:** `feature/search`
**Owner:** dana
**Priority:** P0
**Estimate:** 3 days

- [ ] Index builder
- [x] Query parser

### Search UI
- Branch: feature/search-ui
- Assignee: eli
- Depends on: Search service, `infra-42`
- Files: web/search/*.tsx, web/search/*.css

- [ ] Results page

### Notes
- [ ] not an effort: nobody owns it
"""


def test_checklist_items_become_efforts_in_heading_phases(tmp_path: Path) -> None:
    p = tmp_path / "plan.md"
    p.write_text(CHECKLISTS, encoding="utf-8")
    loaded = imported_plan(p)
    plan = loaded.plan
    assert [ph.id for ph in plan.phases] == ["phase-1", "phase-2"]
    ids = [e.id for e in plan.efforts]
    assert ids == ["1.2", "2.1", "pricing-page"]
    # 1.1 is checked off and 1.2 waits for it: an external prerequisite, done
    assert {x.id: x.status for x in plan.external}["1.1"] == "done"
    assert plan.effort("1.2").deliverables == ["lint job", "test job"]
    assert graph_of(loaded)["pricing-page"] == {"2.1", "design-system"}
    assert plan.effort("2.1").phase == "phase-2"


def test_sections_with_owner_or_branch_are_efforts(tmp_path: Path) -> None:
    p = tmp_path / "plan.md"
    p.write_text(SECTIONS, encoding="utf-8")
    imp = read(str(p))
    plan = imported_plan(p).plan
    search = plan.effort("search")
    assert (search.branch, search.owner, search.priority) == ("feature/search", "dana", "critical")
    assert (search.size, plan.units) == (3, "days")
    assert search.deliverables == ["Index builder", "Query parser"]
    ui = plan.effort("search-ui")
    assert set(ui.depends_on) == {"search", "infra-42"}
    assert ui.files == ["web/search/*.tsx", "web/search/*.css"]
    assert [x.id for x in plan.external] == ["infra-42"]
    assert any("infra-42" in w for w in imp.warnings)
    assert len(plan.efforts) == 2


def test_dependency_block_enables_and_unknown_names(tmp_path: Path) -> None:
    text = SECTIONS + (
        "\n```yaml\ndeps:\n  search-ui:\n    enables: [launch]\n"
        "  search:\n    enables: [search-ui, analytics]\n```\n"
    )
    p = tmp_path / "plan.md"
    p.write_text(text, encoding="utf-8")
    plan = imported_plan(p).plan
    assert "search" in plan.effort("search-ui").depends_on
    assert "analytics" in plan.effort("search").notes
    assert "launch" in plan.effort("search-ui").notes


def test_a_broken_yaml_block_is_skipped_with_a_warning(tmp_path: Path) -> None:
    p = tmp_path / "plan.md"
    p.write_text(SECTIONS + "\n```yaml\na: [unclosed\n```\n", encoding="utf-8")
    imp = read(str(p))
    assert any("does not parse" in w for w in imp.warnings)


GRAPH_DOC = """# Phase 3: Billing

```mermaid
flowchart TD
  a[3.1 Invoice model<br/>400 lines] --> b[3.2 Invoice emails<br/>250 lines]
  P[Phase 2: Accounts] --> a
```

### Assignments

**Agent 1: Invoice Model Specialist**
- Branch: `feat/invoice-model`
- Files: `billing/model.py`

**Agent 2: Email Specialist**
- Branch: `feat/invoice-emails`
- Key Components:
  - templates
  - sender

**Agent 3: Ops Specialist**
- Branch: `feat/ops`

- [ ] invoices reconcile nightly
"""


def test_graph_in_markdown_with_sections_matched_by_name(tmp_path: Path) -> None:
    p = tmp_path / "plan.md"
    p.write_text(GRAPH_DOC, encoding="utf-8")
    imp = read(str(p))
    plan = imported_plan(p).plan
    assert [x.title for x in plan.external] == ["Phase 2: Accounts"]
    assert plan.effort("3.1").branch == "feat/invoice-model"
    assert plan.effort("3.1").files == ["billing/model.py"]
    assert plan.effort("3.2").branch == "feat/invoice-emails"
    assert plan.effort("3.2").deliverables == ["templates", "sender"]
    assert any("Ops Specialist" in w and "matches no node" in w for w in imp.warnings)
    assert [ph.id for ph in plan.phases] == ["phase-3"]
    assert plan.phases[0].deliverables == ["invoices reconcile nightly"]
