"""The SVG renderers: well-formed XML, every effort drawn once, the critical path marked."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from phasegate.report.svg_chart import line_chart_svg
from phasegate.report.svg_gantt import Bar, Panel, gantt_svg, ticks
from phasegate.report.svg_graph import GraphNode, columns_of, dependency_svg

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_graph_draws_each_effort_once_with_links_and_critical_edges() -> None:
    cols, heads = columns_of(
        [["a", "b"], ["c"]],
        ["ext"],
        {"a": "Alpha <&>", "c": "Gamma"},
        {"a": "done", "b": "running"},
        {"a": "/efforts/a", "b": "/efforts/b", "c": "/efforts/c"},
    )
    svg = dependency_svg(cols, [("ext", "a"), ("a", "c"), ("b", "c")], ["a", "c"], headings=heads)
    root = _parse(svg)
    nodes = [g for g in root.iter(f"{NS}g") if g.get("class") == "pg-node"]
    assert sorted(n.get("data-effort") or "" for n in nodes) == ["a", "b", "c", "ext"]
    states = {n.get("data-effort"): n.get("data-state") for n in nodes}
    assert states == {"a": "done", "b": "running", "c": "pending", "ext": "external"}
    edges = [p for p in root.iter(f"{NS}path") if "pg-edge" in (p.get("class") or "")]
    hot = {
        (p.get("data-from"), p.get("data-to")) for p in edges if "pg-critical" in p.get("class", "")
    }
    assert len(edges) == 3 and hot == {("a", "c")}
    links = [a.get("href") for a in root.iter(f"{NS}a")]
    assert sorted(x or "" for x in links) == ["/efforts/a", "/efforts/b", "/efforts/c"]
    assert "Alpha &lt;&amp;&gt;" in svg  # titles are escaped, not injected


def test_graph_skips_edges_to_unknown_nodes_and_handles_empty() -> None:
    svg = dependency_svg([[GraphNode("a")]], [("zz", "a")], [])
    assert not [p for p in _parse(svg).iter(f"{NS}path") if p.get("class") == "pg-edge"]
    assert "no efforts" in dependency_svg([], [], [])


def test_gantt_places_bars_on_their_rows_and_draws_now() -> None:
    planned = Panel("planned", ["agent 1", "agent 2"], [Bar(0, 0, 5, "a"), Bar(1, 0, 3, "b")], "d")
    actual = Panel(
        "actual",
        ["agent 1"],
        [Bar(0, 0, 10, "a", "done", "/efforts/a"), Bar(0, 10, 15, "b", "running")],
        "s",
        marker=(20.0, "now"),
    )
    root = _parse(gantt_svg([planned, actual]))
    bars = [g for g in root.iter(f"{NS}g") if g.get("class") == "pg-bar"]
    assert [b.get("data-effort") for b in bars] == ["a", "b", "a", "b"]
    assert [b.get("data-state") for b in bars][2:] == ["done", "running"]
    assert [ln for ln in root.iter(f"{NS}line") if ln.get("class") == "pg-now"]


def test_gantt_ignores_bars_on_missing_rows() -> None:
    svg = gantt_svg([Panel("p", ["one"], [Bar(3, 0, 1, "x"), Bar(0, 0, 1, "y")], "d")])
    bars = [g.get("data-effort") for g in _parse(svg).iter(f"{NS}g") if g.get("class") == "pg-bar"]
    assert bars == ["y"]


@given(
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(1e-3, 1e6, allow_nan=False),
)
def test_ticks_cover_the_range_in_round_steps(lo: float, span: float) -> None:
    hi = lo + span
    t = ticks(lo, hi)
    assert t and all(lo - 1e-6 * span <= v <= hi + 1e-6 * span for v in t)
    assert t == sorted(t)
    if len(t) > 1:
        assert t[1] - t[0] >= span / 12


def test_line_chart_has_target_and_every_point() -> None:
    svg = line_chart_svg(
        "coverage", [(0.0, 60.0), (60.0, 72.5), (120.0, 81.0)], target=80, unit="%"
    )
    root = _parse(svg)
    assert len(list(root.iter(f"{NS}circle"))) == 3
    assert [ln for ln in root.iter(f"{NS}line") if ln.get("class") == "pg-target"]
    assert "no values yet" in line_chart_svg("x", [])


def test_a_long_series_is_drawn_from_an_even_sample_ending_at_its_last_value() -> None:
    from phasegate.report.svg_chart import MAX_POINTS

    pts = [(float(t), float(t % 7)) for t in range(10_000)]
    root = _parse(line_chart_svg("m", pts))
    circles = list(root.iter(f"{NS}circle"))
    assert len(circles) == MAX_POINTS
    assert circles[-1].find(f"{NS}title").text == str(9999 % 7)  # the latest value
