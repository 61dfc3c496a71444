"""Dependency graphs as Mermaid, Graphviz dot and JSON, critical path highlighted."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise
from typing import Any

from phasegate.plan.model import Plan
from phasegate.plangraph import PlanGraph


def _num(x: float) -> str:
    return f"{int(x)}" if float(x).is_integer() else f"{x:g}"


def _plain_mid(ident: str) -> str:
    return "n_" + re.sub(r"[^A-Za-z0-9_]", "_", ident)


def mermaid_ids(idents: Iterable[str]) -> dict[str, str]:
    """Mermaid-safe node ids, one per plan id and all distinct.

    Mermaid takes only letters, digits and '_' there, so 'a-b', 'a_b' and 'a.b' share the
    plain form 'n_a_b'; ids that share one get a short hash of themselves added, which
    keeps a node's name the same from one rendering to the next.
    """
    idents = list(dict.fromkeys(idents))
    plain = {i: _plain_mid(i) for i in idents}
    shared = Counter(plain.values())
    out: dict[str, str] = {}
    seen: set[str] = set()
    for i in idents:
        name = plain[i]
        if shared[name] > 1:
            name += "_" + hashlib.sha1(i.encode()).hexdigest()[:6]
        base, k = name, 2
        while name in seen:  # a hashed name that happens to be another id's plain form
            name = f"{base}_{k}"
            k += 1
        seen.add(name)
        out[i] = name
    return out


def _esc(text: str) -> str:
    return text.replace('"', "#quot;")


def mermaid(plan: Plan, g: PlanGraph, *, direction: str = "TD") -> str:
    crit = g.critical_efforts()
    lines = [f"graph {direction}"]
    node = mermaid_ids([*(x.id for x in plan.external), *(e.id for e in plan.efforts)])

    def _mid(ident: str) -> str:
        # a plan built in code, never validated, may depend on an id it does not declare
        return node.get(ident) or _plain_mid(ident)

    depended = {d for e in plan.efforts for d in e.depends_on}
    for x in plan.external:
        if x.id in depended:
            lines.append(f'    {_mid(x.id)}(["{_esc(x.title or x.id)}"])')
    efforts = {e.id: e for e in plan.efforts}
    for w, ids in enumerate(g.waves(), 1):
        lines.append(f'    subgraph wave{w}["Wave {w}"]')
        for eid in ids:
            e = efforts[eid]
            label = f"{e.id} {e.title}".strip()
            lines.append(f'        {_mid(e.id)}["{_esc(label)}<br/>{_num(e.size)} {plan.units}"]')
        lines.append("    end")
    crit_edges = set(pairwise(crit))
    # linkStyle addresses edges by their position in the diagram, so count them as written
    edges = [(d, e.id) for e in plan.efforts for d in e.depends_on]
    for d, eid in edges:
        lines.append(f"    {_mid(d)} --> {_mid(eid)}")
    for eid in crit:
        lines.append(f"    style {_mid(eid)} fill:#ff9999,stroke:#c00,stroke-width:2px")
    crit_links = [str(k) for k, edge in enumerate(edges) if edge in crit_edges]
    if crit_links:
        lines.append(f"    linkStyle {','.join(crit_links)} stroke:#c00,stroke-width:3px")
    return "\n".join(lines) + "\n"


def dot(plan: Plan, g: PlanGraph) -> str:
    crit = g.critical_efforts()
    on = set(crit)
    crit_edges = set(pairwise(crit))

    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"digraph {q(plan.project)} {{", "  rankdir=LR;", "  node [shape=box];"]
    for x in plan.external:
        lines.append(f"  {q(x.id)} [label={q(x.title or x.id)}, style=dashed];")
    for e in plan.efforts:
        attrs = [
            f"label={q(f'{e.id} {e.title}'.strip() + chr(10) + _num(e.size) + ' ' + plan.units)}"
        ]
        if e.id in on:
            attrs.append('color="#cc0000", penwidth=2, style=filled, fillcolor="#ff9999"')
        lines.append(f"  {q(e.id)} [{', '.join(attrs)}];")
    for e in plan.efforts:
        for d in e.depends_on:
            style = ' [color="#cc0000", penwidth=2]' if (d, e.id) in crit_edges else ""
            lines.append(f"  {q(d)} -> {q(e.id)}{style};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def as_json(plan: Plan, g: PlanGraph) -> dict[str, Any]:
    crit = g.critical_efforts()
    on = set(crit)
    slack = g.slack()
    wave_of = {i: k for k, ids in enumerate(g.waves(), 1) for i in ids}
    nodes: list[dict[str, Any]] = [
        {"id": x.id, "kind": "external", "title": x.title, "status": x.status}
        for x in plan.external
    ]
    for e in plan.efforts:
        nodes.append(
            {
                "id": e.id,
                "kind": "effort",
                "title": e.title,
                "phase": plan.phase_of(e),
                "size": e.size,
                "wave": wave_of[e.id],
                "slack": slack[e.id],
                "critical": e.id in on,
            }
        )
    edges = [{"from": d, "to": e.id} for e in plan.efforts for d in e.depends_on]
    return {"nodes": nodes, "edges": edges, "critical_path": crit}
