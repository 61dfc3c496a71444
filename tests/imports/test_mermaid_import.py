"""Mermaid flowcharts: syntax coverage, how edges become dependencies, located errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from imports.helpers import DATA, graph_of, imported_plan
from phasegate.imports import read
from phasegate.imports.build import SourceError
from phasegate.imports.mermaid_syntax import Flowchart, find_graph, parse
from support import CliResult


def _chart(text: str) -> Flowchart:
    found = find_graph(text)
    assert found is not None
    return parse(found[1], found[0], "t.mmd")


def _write(tmp_path: Path, text: str, name: str = "g.mmd") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_chains_ampersands_and_labels() -> None:
    c = _chart("graph TD\n  A --> B --> C\n  A & B --> D -- says hi --> E\n  E -->|yes| F")
    pairs = {(e.src, e.dst) for e in c.edges}
    assert pairs == {("A", "B"), ("B", "C"), ("A", "D"), ("B", "D"), ("D", "E"), ("E", "F")}
    labels = {(e.src, e.dst): e.label for e in c.edges}
    assert labels[("D", "E")] == "says hi"
    assert labels[("E", "F")] == "yes"


@pytest.mark.parametrize(
    ("node", "label"),
    [
        ("A[box]", "box"),
        ("A(round)", "round"),
        ("A{diamond}", "diamond"),
        ("A[[sub]]", "sub"),
        ("A((circle))", "circle"),
        ("A>flag]", "flag"),
        ("A[(db)]", "db"),
        ("A([stadium])", "stadium"),
        ("A{{hex}}", "hex"),
        ("A[/para/]", "para"),
        ("A[\\alt\\]", "alt"),
        ("A[/trap\\]", "trap"),
        ('A["quoted [x] label"]', "quoted [x] label"),
        ('A@{ shape: rect, label: "new syntax" }', "new syntax"),
        ("A:::hot[classed]", "classed"),
    ],
)
def test_node_shapes(node: str, label: str) -> None:
    c = _chart(f"flowchart LR\n  {node} --> B")
    assert c.nodes["A"].label == label


def test_link_kinds_and_directions() -> None:
    c = _chart(
        "graph LR\n A --> B\n A -.-> C\n A ==> D\n A ~~~ E\n A --- F\n A <--> G\n"
        " A --x H\n A -. maybe .-> I\n A == big ==> J\n A ---> K"
    )
    kinds = {e.dst: (e.kind, e.direction) for e in c.edges}
    assert kinds["B"] == ("solid", "forward")
    assert kinds["C"] == ("dotted", "forward")
    assert kinds["D"] == ("thick", "forward")
    assert kinds["E"][0] == "invisible"
    assert kinds["F"] == ("solid", "none")
    assert kinds["G"] == ("solid", "both")
    assert kinds["H"] == ("solid", "forward")
    assert kinds["I"] == ("dotted", "forward")
    assert kinds["J"] == ("thick", "forward")
    assert kinds["K"] == ("solid", "forward")


def test_styling_and_comments_are_skipped() -> None:
    c = _chart(
        "graph TD\n%% a comment --> nothing\nA-->B\nstyle A fill:#f9f\nclassDef x fill:#f00\n"
        "class A,B x\nclick A callback\nlinkStyle 0 stroke:#f00"
    )
    assert set(c.nodes) == {"A", "B"}
    assert c.nodes["A"].classes == {"x"}


def test_graph_found_inside_markdown() -> None:
    text = "# Plan\n\nSome words.\n\n```mermaid\ngraph TD\n  A-->B\n```\n"
    found = find_graph(text)
    assert found is not None
    assert found[0] == 6  # the header line, for error messages


def test_fixture_flowchart(tmp_path: Path) -> None:
    loaded = imported_plan(DATA / "flow.mmd")
    plan = loaded.plan
    assert plan.units == "days"
    g = graph_of(loaded)
    assert g["D"] == {"B", "C"}  # the labelled edge C -- text --> D counts
    assert g["G"] == {"D", "F", "E"}  # thick and dotted arrows to G
    assert g["H"] == set()  # an invisible link orders nothing
    assert {x.title for x in plan.external} == {"Phase 3: Platform", "Kickoff done"}
    assert {e.id: e.phase for e in plan.efforts}["B"] == "build"
    assert {e.id: e.phase for e in plan.efforts}["E"] == "ship"


def test_dotted_edge_repeating_a_solid_one_adds_nothing_but_alone_is_kept(
    tmp_path: Path,
) -> None:
    p = _write(tmp_path, "graph TD\n A-->B\n A-.->|note| B\n B-.->C\n")
    imp = read(str(p), "mermaid")
    efforts = {e["id"]: e for e in imp.data["efforts"]}
    assert efforts["B"]["depends_on"] == ["A"]
    assert efforts["C"]["depends_on"] == ["B"]
    notes = [v for k, v in imp.comments.items() if k[-1] == "depends_on"]
    assert len(notes) == 1 and "dotted" in notes[0]


def test_sizes_ids_and_waves_from_labels(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "graph TD\n subgraph w1 [Wave 1]\n  a[1.1 First<br/>~1,200 lines]\n end\n"
        " subgraph w2 [Wave 2]\n  b[1.2 Second<br/>2k LOC]\n end\n a --> b\n",
    )
    plan = imported_plan(p).plan
    assert [(e.id, e.size, e.wave) for e in plan.efforts] == [("1.1", 1200, 1), ("1.2", 2000, 2)]
    assert plan.units == "lines"
    assert not plan.phases


def test_unknown_reference_through_subgraph_edges(tmp_path: Path) -> None:
    p = _write(tmp_path, "graph LR\n subgraph S\n  a\n  b\n end\n S --> c\n")
    assert graph_of(imported_plan(p))["c"] == {"a", "b"}


def test_bidirectional_link_warns_and_adds_nothing(tmp_path: Path) -> None:
    imp = read(str(_write(tmp_path, "graph LR\n a <--> b\n")), "mermaid")
    assert any("no single direction" in w for w in imp.warnings)
    assert all("depends_on" not in e for e in imp.data["efforts"])


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("graph TD\n A --> B\n C[unclosed --> D\n", 3, "never closed"),
        ("graph TD\n A --> B\n A B\n", 3, "expected an arrow"),
        ("graph TD\n end\n", 2, "without an open subgraph"),
        ("graph TD\n subgraph one\n A\n", 2, "never closed"),
        ("graph TD\n A -->\n", 2, "expected a node id"),
        ("graph TD\n A --> B\n B --> A\n", 0, "dependency cycle"),
    ],
)
def test_malformed_diagrams_fail_with_a_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    p = _write(tmp_path, text)
    with pytest.raises(SourceError) as e:
        read(str(p), "mermaid")
    assert words in e.value.message
    if line:
        assert e.value.line == line
        assert str(e.value).startswith(f"{p}:{line}: error:")


def test_cli_reports_a_malformed_diagram_without_traceback(
    tmp_path: Path, cli: Callable[..., CliResult]
) -> None:
    p = _write(tmp_path, "graph TD\n A --> B\n C[unclosed\n")
    r = cli("import", str(p))
    assert r.code == 1
    assert r.err.strip() == f"{p}:3: error: node 'C': the shape opened at column 2 is never closed"


def test_a_roadmap_of_phases_keeps_its_first_phase_as_work(tmp_path: Path) -> None:
    p = _write(tmp_path, "flowchart-elk LR\n p1[Phase 1: Core] --> p2[Phase 2: API]\n")
    plan = imported_plan(p).plan
    assert [e.id for e in plan.efforts] == ["p1", "p2"]
    assert not plan.external
