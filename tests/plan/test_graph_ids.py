"""Mermaid node ids: one per plan id, so every edge joins the efforts it names."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate.plan.load import load_text
from phasegate.report.graphs import mermaid, mermaid_ids

PLAN = """\
project: x
external: [{id: x-1, title: First}, {id: x_1, title: Second}]
efforts:
  - {id: a-b, deliverables: [x], size: 5}
  - {id: a_b, deliverables: [x], depends_on: [x_1]}
  - {id: a.b, deliverables: [x], depends_on: [x-1]}
  - {id: c, deliverables: [x], depends_on: [a-b]}
  - {id: d, deliverables: [x], depends_on: [a.b]}
"""

NODE = re.compile(r'^\s+(\w+)(?:\["|\(\[")([^"<]+)')
EDGE = re.compile(r"^\s+(\w+) --> (\w+)$")


def rendered(text: str) -> tuple[dict[str, str], set[tuple[str, str]], list[str]]:
    loaded = load_text(text, "plan.yaml")
    out = mermaid(loaded.plan, loaded.graph)
    label_of: dict[str, str] = {}
    edges = set()
    for line in out.splitlines():
        if m := NODE.match(line):
            assert m.group(1) not in label_of, line
            label_of[m.group(1)] = m.group(2).split(" ")[0]
        elif m := EDGE.match(line):
            edges.add((m.group(1), m.group(2)))
    styled = re.findall(r"style (\w+) fill", out)
    return label_of, edges, styled


def test_ids_that_share_a_plain_form_get_their_own_nodes() -> None:
    label_of, edges, styled = rendered(PLAN)
    titles = {"First": "x-1", "Second": "x_1"}
    real = {mid: titles.get(label, label) for mid, label in label_of.items()}
    assert sorted(real.values()) == sorted(["x-1", "x_1", "a-b", "a_b", "a.b", "c", "d"])
    assert {(real[a], real[b]) for a, b in edges} == {
        ("x_1", "a_b"),
        ("x-1", "a.b"),
        ("a-b", "c"),
        ("a.b", "d"),
    }
    assert [real[s] for s in styled] == ["a-b", "c"]  # the critical path: size 5 then 1


def test_node_ids_are_stable_and_unchanged_without_a_clash() -> None:
    first = mermaid_ids(["8.1.1", "a-b", "a_b", "z"])
    assert first == mermaid_ids(["8.1.1", "a-b", "a_b", "z"])
    assert first["8.1.1"] == "n_8_1_1" and first["z"] == "n_z"
    assert first["a-b"] != first["a_b"]
    assert first["a-b"].startswith("n_a_b_") and first["a_b"].startswith("n_a_b_")


def test_a_hashed_name_never_takes_another_ids_plain_name() -> None:
    hashed = mermaid_ids(["a-b", "a_b"])["a-b"]
    plain_twin = hashed[2:]  # an id whose plain form is exactly the hashed name
    names = mermaid_ids(["a-b", "a_b", plain_twin])
    assert len(set(names.values())) == 3


@given(st.lists(st.text(alphabet="ab_.-/:", min_size=1, max_size=4), max_size=12))
@settings(max_examples=200, deadline=None)
def test_node_ids_are_distinct_and_mermaid_safe(idents: list[str]) -> None:
    names = mermaid_ids(idents)
    assert set(names) == set(idents)
    assert len(set(names.values())) == len(names)
    assert all(re.fullmatch(r"n_\w+", n) for n in names.values())
