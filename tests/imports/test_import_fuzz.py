"""Any input: a located error or a plan that validates, never a traceback."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from phasegate.errors import PhasegateError
from phasegate.imports import dump, read
from phasegate.plan.load import load_text

_MERMAID_TOKENS = [
    "A", "B", "c1", "8.1.1", " ", "\n", "-->", "---", "-.->", "==>", "~~~", "<-->", "&", ";",
    "[", "]", "(", ")", "{", "}", "((", "))", "[[", "]]", ">", "|", "|x|", "-- t -->", '"',
    "subgraph S", "subgraph W [Wave 2]", "end", "%% c", "style A fill:#f00", ":::done",
    "Phase 5: X", "700 lines", "<br/>", "class A done", "@{ label: \"q\" }",
]  # fmt: skip
_MD_TOKENS = [
    "# T", "## Phase 1", "### W", "\n", " ", "- [ ] ", "- [x] ", "  - [ ] ", "**Branch:** ",
    "**Owner:** ", "- Depends on: ", "**Agent 1: X**", "**Label:**", "a", "b-c", "1.2",
    "(depends on: a)", "```yaml\n", "```\n", "```mermaid\ngraph TD\n", "x:\n  depends_on: [a]\n",
    "enables: [b]", "A-->B", "~~~", "**Priority:** high", "- Lines: ~700",
    "### Phase 1 → Phase 2", "## Stage A -> Stage 1", "Phase 2 to Phase 1",
    "**Required Outputs:**", "**Handoff Validation**:", "- Outputs:", "**Integration Points**:",
    "## Phase 2 Validation", "- x\n", "  - y\n", "- **Build**: ok\n",
]  # fmt: skip


def _check(text: str, fmt: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_text(text, encoding="utf-8")
        try:
            imported = read(str(p), fmt)
        except PhasegateError as e:
            assert str(e)
            return
        load_text(dump(imported), "fuzz.yaml")  # raises PlanInvalid if the plan is wrong


def _joined(tokens: list[str]) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=200), _joined(_MERMAID_TOKENS).map(lambda s: "graph TD\n" + s)))
def test_mermaid_fuzz(text: str) -> None:
    _check(text, "mermaid", "g.mmd")


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=200), _joined(_MD_TOKENS)))
@example("# \r**BRANCH:**/")  # once found by random runs: not branch names
@example("# \r**BRANCH:**0:")
def test_markdown_fuzz(text: str) -> None:
    _check(text, "markdown", "plan.md")


_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.floats(allow_nan=False)
    | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)
_task = st.fixed_dictionaries(
    {"id": st.one_of(st.integers(0, 6), st.sampled_from(["1", "2.1", "x y", ""]))},
    optional={
        "title": _json_values,
        "status": st.sampled_from(["done", "pending", "in-progress", "weird"]) | _json_values,
        "dependencies": st.lists(st.one_of(st.integers(0, 6), st.sampled_from(["1", "1.1"]))),
        "priority": st.sampled_from(["high", "low", "urgent"]) | _json_values,
        "subtasks": st.lists(
            st.fixed_dictionaries(
                {"id": st.integers(0, 3)},
                optional={"dependencies": st.lists(st.integers(0, 3) | st.just("1.1"))},
            ),
            max_size=3,
        ),
        "complexity": _json_values,
    },
)


@settings(max_examples=150, deadline=None)
# Sizes a plan cannot hold, once found by a derandomized run: the written plan must load.
@example(json.dumps({"master": {"tasks": [{"id": 0, "title": "0", "complexity": 1000000001}]}}))
@example(json.dumps({"master": {"tasks": [{"id": 0, "title": "0", "complexity": -3}]}}))
@given(
    st.one_of(
        st.text(max_size=100),
        st.lists(_task, max_size=6).map(lambda ts: json.dumps({"master": {"tasks": ts}})),
        _json_values.map(json.dumps),
    )
)
def test_taskmaster_fuzz(text: str) -> None:
    _check(text, "taskmaster", "tasks.json")


_issue = st.fixed_dictionaries(
    {"id": st.sampled_from(["a", "b", "c", "d"])},
    optional={
        "status": st.sampled_from(["open", "closed", "tombstone", "in_progress"]) | _json_values,
        "issue_type": st.sampled_from(["epic", "task"]),
        "priority": _json_values,
        "estimated_minutes": _json_values,
        "dependencies": st.lists(
            st.fixed_dictionaries(
                {
                    "depends_on_id": st.sampled_from(["a", "b", "c", "d", "z"]),
                    "type": st.sampled_from(["blocks", "parent-child", "related", "waits-for"]),
                },
                optional={"issue_id": st.sampled_from(["a", "b"])},
            ),
            max_size=3,
        ),
    },
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=100),
        st.lists(_issue, max_size=6).map(lambda xs: "\n".join(json.dumps(x) for x in xs)),
    )
)
@example('{"id": "a", "estimated_minutes": 60000000001}')  # once found by a random run
def test_beads_fuzz(text: str) -> None:
    _check(text, "beads", "issues.jsonl")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.text(max_size=60), st.floats(min_value=0, allow_infinity=False))
def test_dump_writes_any_text_and_number_back_unchanged(value: str, note: str, size: float) -> None:
    import yaml

    from phasegate.imports.emit import Imported

    data = {
        "version": 1,
        "project": value,
        "efforts": [{"id": "a", "title": value, "notes": value, "size": size, "files": [value]}],
    }
    imp = Imported(
        data,
        comments={("project",): note, ("efforts", 0): note, ("efforts", 0, "files"): note},
        header=[note],
        warnings=[note],
    )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert yaml.load(dump(imp), Loader=loader) == data


def test_surrounding_spaces_survive_the_writer() -> None:
    import yaml

    from phasegate.imports.emit import Imported

    data = {
        "version": 1,
        "project": "A ",
        "efforts": [{"id": "a", "title": " lead", "files": ["x "]}],
    }
    assert yaml.safe_load(dump(Imported(data))) == data
