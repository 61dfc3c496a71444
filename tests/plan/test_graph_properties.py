"""graph.py against networkx as the oracle, on random DAGs."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from phasegate import graph


@st.composite
def dags(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], list[float]]:
    n = draw(st.integers(min_value=1, max_value=25))
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda e: e[0] < e[1]),
            max_size=60,
        )
    )
    weights = draw(st.lists(st.integers(0, 20).map(float), min_size=n, max_size=n))
    perm = draw(st.permutations(range(n)))  # hide the index order from the algorithms
    return n, [(perm[u], perm[v]) for u, v in edges], [weights[perm.index(i)] for i in range(n)]


def to_nx(n: int, edges: list[tuple[int, int]]) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    return g


@given(dags())
@settings(max_examples=150, deadline=None)
def test_topological_order_and_levels(case: tuple[int, list[tuple[int, int]], list[float]]) -> None:
    n, edges, _ = case
    dag = graph.Dag.from_edges(n, edges)
    order = graph.topological_order(dag)
    pos = {u: i for i, u in enumerate(order)}
    assert sorted(order) == list(range(n))
    assert all(pos[u] < pos[v] for u, v in edges)
    lv = graph.levels(dag, order, [1] * n)
    oracle = {
        u: k + 1 for k, gen in enumerate(nx.topological_generations(to_nx(n, edges))) for u in gen
    }
    assert lv == [oracle[u] for u in range(n)]


@given(dags())
@settings(max_examples=150, deadline=None)
def test_critical_path_matches_oracle(case: tuple[int, list[tuple[int, int]], list[float]]) -> None:
    n, edges, w = case
    dag = graph.Dag.from_edges(n, edges)
    order = graph.topological_order(dag)
    a = graph.critical_path(dag, order, w)
    # node weights as edge weights: split each node into in/out halves
    g = nx.DiGraph()
    for u in range(n):
        g.add_edge(("in", u), ("out", u), weight=w[u])
    for u, v in edges:
        g.add_edge(("out", u), ("in", v), weight=0.0)
    assert a.length == nx.dag_longest_path_length(g, weight="weight")
    # the reported path is a real chain whose weights add up to the length
    assert sum(w[u] for u in a.path) == a.length
    assert all(a.path[i + 1] in dag.succ[a.path[i]] for i in range(len(a.path) - 1))
    assert all(s >= -1e-9 for s in a.slack)
    assert all(abs(a.slack[u]) < 1e-9 for u in a.path)
    for u, v in edges:
        assert a.earliest_start[v] >= a.earliest_start[u] + w[u]
        assert a.latest_start[u] + w[u] <= a.latest_start[v] + 1e-9


@given(dags(), st.data())
@settings(max_examples=100, deadline=None)
def test_find_cycle(
    case: tuple[int, list[tuple[int, int]], list[float]], data: st.DataObject
) -> None:
    n, edges, _ = case
    assert graph.find_cycle(n, graph.Dag.from_edges(n, edges).succ) is None
    if not edges:
        return
    u, v = data.draw(st.sampled_from(edges))
    back = [*edges, (v, u)]
    cyc = graph.find_cycle(n, graph.Dag.from_edges(n, back).succ)
    assert cyc is not None and cyc[0] == cyc[-1]
    es = set(back)
    assert all((cyc[i], cyc[i + 1]) in es for i in range(len(cyc) - 1))


@given(dags())
@settings(max_examples=60, deadline=None)
def test_profile_counts_are_consistent(
    case: tuple[int, list[tuple[int, int]], list[float]],
) -> None:
    n, edges, w = case
    dag = graph.Dag.from_edges(n, edges)
    a = graph.critical_path(dag, graph.topological_order(dag), w)
    prof = graph.parallelism_profile(a.earliest_start, w)
    area = sum((e - s) * c for s, e, c in prof)
    assert abs(area - sum(w)) < 1e-6
    for s, e, c in prof:
        mid = (s + e) / 2
        running = sum(
            1
            for u in range(n)
            if w[u] > 0 and a.earliest_start[u] <= mid < a.earliest_start[u] + w[u]
        )
        assert running == c
