"""The dependency graph as SVG: waves as columns, the critical path in red, states as
colours, each node a link to its effort's page."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from phasegate.report.svg_common import (
    CRITICAL_STROKE,
    PLAIN_STROKE,
    clip,
    empty,
    esc,
    fill,
    num,
    open_svg,
)

NODE_W, NODE_H = 160, 38
COL_GAP, ROW_GAP = 70, 14
PAD, HEAD = 16, 26


@dataclass(frozen=True)
class GraphNode:
    id: str
    title: str = ""
    state: str = "pending"
    href: str | None = None


def dependency_svg(
    columns: Sequence[Sequence[GraphNode]],
    edges: Sequence[tuple[str, str]],
    critical: Sequence[str],
    *,
    headings: Sequence[str] = (),
) -> str:
    """`columns` left to right (externals first, then one per wave); `edges` are
    (prerequisite, dependent); `critical` is the critical path in order."""
    if not any(columns):
        return empty("dependency graph", "no efforts")
    place: dict[str, tuple[float, float]] = {}
    tallest = max(len(c) for c in columns)
    for ci, col in enumerate(columns):
        for ri, node in enumerate(col):
            place[node.id] = (PAD + ci * (NODE_W + COL_GAP), PAD + HEAD + ri * (NODE_H + ROW_GAP))
    # Room on the right for the loops of edges inside the last column.
    width = PAD * 2 + len(columns) * NODE_W + (len(columns) - 1) * COL_GAP + COL_GAP / 2
    height = PAD * 2 + HEAD + tallest * NODE_H + (tallest - 1) * ROW_GAP
    on_path = set(critical)
    path_edges = set(pairwise(critical))
    out = [open_svg(width, height, "dependency graph")]
    out.append(
        '<defs><marker id="pg-arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="8" '
        'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z" fill="context-stroke"/></marker></defs>'
    )
    for ci, text in enumerate(headings[: len(columns)]):
        x = PAD + ci * (NODE_W + COL_GAP) + NODE_W / 2
        out.append(
            f'<text x="{num(x)}" y="{PAD + 12}" text-anchor="middle" font-weight="600" '
            f'fill="#374151">{esc(text)}</text>'
        )
    # Edges first, so nodes are drawn over their ends.
    for a, b in edges:
        if a not in place or b not in place:
            continue
        hot = (a, b) in path_edges
        stroke = CRITICAL_STROKE if hot else PLAIN_STROKE
        out.append(
            f'<path class="pg-edge{" pg-critical" if hot else ""}" data-from="{esc(a)}" '
            f'data-to="{esc(b)}" d="{_curve(place[a], place[b])}" fill="none" '
            f'stroke="{stroke}" stroke-width="{2.5 if hot else 1.2}" marker-end="url(#pg-arrow)"/>'
        )
    for col in columns:
        for node in col:
            out.append(_node(node, *place[node.id], critical=node.id in on_path))
    out.append("</svg>")
    return "".join(out)


def _curve(a: tuple[float, float], b: tuple[float, float]) -> str:
    """Left to right between columns; within one column (labelled waves may stagger starts
    there) a loop out to the right side, so the line does not cross the nodes between."""
    (ax, ay), (bx, by) = a, b
    if bx > ax:
        x1, y1, x2, y2 = ax + NODE_W, ay + NODE_H / 2, bx, by + NODE_H / 2
        bend = max((x2 - x1) / 2, 30)
        return f"M{num(x1)},{num(y1)} C{num(x1 + bend)},{num(y1)} {num(x2 - bend)},{num(y2)} {num(x2)},{num(y2)}"
    x1, y1, x2, y2 = ax + NODE_W, ay + NODE_H / 2, bx + NODE_W, by + NODE_H / 2
    out = COL_GAP * 0.45 + abs(y2 - y1) * 0.05
    return f"M{num(x1)},{num(y1)} C{num(x1 + out)},{num(y1)} {num(x2 + out)},{num(y2)} {num(x2)},{num(y2)}"


def _node(node: GraphNode, x: float, y: float, *, critical: bool) -> str:
    stroke = CRITICAL_STROKE if critical else PLAIN_STROKE
    tip = f"{node.id}: {node.title} ({node.state})" if node.title else f"{node.id} ({node.state})"
    body = (
        f'<g class="pg-node" data-effort="{esc(node.id)}" data-state="{esc(node.state)}">'
        f"<title>{esc(tip)}</title>"
        f'<rect x="{num(x)}" y="{num(y)}" width="{NODE_W}" height="{NODE_H}" rx="6" '
        f'fill="{fill(node.state)}" stroke="{stroke}" stroke-width="{2.5 if critical else 1}"/>'
        f'<text x="{num(x + 8)}" y="{num(y + 15)}" font-weight="600">{esc(clip(node.id, 13))}'
        "</text>"
        f'<text x="{num(x + NODE_W - 6)}" y="{num(y + 15)}" text-anchor="end" fill="#4b5563" '
        f'font-size="10">{esc(node.state)}</text>'
        f'<text x="{num(x + 8)}" y="{num(y + 30)}" fill="#374151">{esc(clip(node.title, 22))}'
        "</text></g>"
    )
    if node.href:
        return f'<a href="{esc(node.href)}">{body}</a>'
    return body


def columns_of(
    waves: Sequence[Sequence[str]],
    externals: Sequence[str],
    titles: Mapping[str, str],
    states: Mapping[str, str],
    href: Mapping[str, str],
) -> tuple[list[list[GraphNode]], list[str]]:
    """Columns and their headings from a plan's waves and external prerequisites."""
    cols: list[list[GraphNode]] = []
    heads: list[str] = []
    if externals:
        cols.append([GraphNode(x, titles.get(x, ""), "external") for x in externals])
        heads.append("external")
    for k, wave in enumerate(waves, start=1):
        cols.append(
            [GraphNode(e, titles.get(e, ""), states.get(e, "pending"), href.get(e)) for e in wave]
        )
        heads.append(f"wave {k}")
    return cols, heads
