"""Mermaid flowcharts (alone, or the first one inside a markdown file) -> plan.

How a diagram reads as a plan:
- an arrow `A --> B` means B depends on A, whatever the layout direction;
- a label such as `8.1.1 Workspace Discovery<br/>700 lines` gives the id, title and size;
- a node with no incoming arrow that is named as a phase ("Phase 5: Interfaces"), or a node
  of class `done`, is work finished before this plan: an external prerequisite;
- a dotted arrow that repeats a solid one is an annotation (such as "Critical Path") and adds
  nothing; a dotted arrow on its own is kept as a dependency, with a comment to review it;
- invisible `~~~`, open `---` and two-way `<-->` links order nothing and are left out;
- top-level subgraphs become phases, or wave labels when titled "Wave N".
"""

from __future__ import annotations

import html
import re
from collections import Counter
from pathlib import Path
from typing import Any

from phasegate.imports.build import Draft, Item, SourceError, clean_id, one_line, slug
from phasegate.imports.emit import Imported
from phasegate.imports.mermaid_syntax import Flowchart, Node, find_graph, parse

SIZE = re.compile(
    r"~?\s*(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*"
    r"(lines of code|lines|line|loc|sloc|hours|hour|hrs|hr|h|points|point|pts|pt|sp|days|day|d)\b",
    re.I,
)
UNITS = {
    "lines of code": "lines", "lines": "lines", "line": "lines", "loc": "lines",
    "sloc": "lines", "hours": "hours", "hour": "hours", "hrs": "hours", "hr": "hours",
    "h": "hours", "points": "points", "point": "points", "pts": "points", "pt": "points",
    "sp": "points", "days": "days", "day": "days", "d": "days",
}  # fmt: skip
_LABEL_ID = re.compile(r"^((?:\d+\.)+\d+|[A-Za-z][A-Za-z0-9]*-\d+(?:\.\d+)*)[\s:.)\]-]+(\S.*)$")
_PHASE_NAME = re.compile(r"^(phase|stage|milestone|sprint|release|epic|iteration)\b", re.I)
_DONE_CLASS = {"done", "complete", "completed", "finished", "closed"}
_DONE_MARK = re.compile(r"✅|✔|\((?:done|complete|completed)\)|\[x\]", re.I)
_WAVE = re.compile(r"^wave\s*(\d+)\b", re.I)


def detect(path: Path, head: str) -> bool:
    if path.suffix.lower() in (".mmd", ".mermaid"):
        return True
    found = find_graph(head)
    return found is not None and found[0] == _first_content_line(head)


def _first_content_line(text: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if s and not s.startswith("%%") and s != "---":
            return i
    return 0


def read(path: Path, **options: Any) -> Imported:
    text = read_text(path)
    draft = Draft(str(path), options.get("project") or path.stem, "Mermaid")
    if not from_text(text, draft):
        raise SourceError(str(path), 0, "no Mermaid 'graph' or 'flowchart' diagram found")
    draft.header.append(f"imported from {path.name} (Mermaid flowchart)")
    return draft.finish()


def read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(str(path), 0, f"not UTF-8 text (bad byte at offset {e.start})") from None
    except OSError as e:
        raise SourceError(str(path), 0, f"cannot read: {e.strerror}") from None


def from_text(text: str, draft: Draft) -> bool:
    """Add the first flowchart in `text` to `draft`; False when there is none."""
    found = find_graph(text)
    if found is None:
        return False
    first, lines = found
    chart = parse(lines, first, draft.source)
    _to_draft(chart, draft)
    return True


def _label_lines(raw: str) -> list[str]:
    s = raw.strip().strip('"').strip("`")
    s = re.sub(r"<br\s*/?>|\\n", "\n", s, flags=re.I)
    s = re.sub(r"</?[A-Za-z][^>]*>", "", s)
    s = re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))) if int(m.group(1)) < 0x110000 else "", s)
    s = re.sub(r"#(quot|amp|lt|gt|nbsp);", r"&\1;", s)
    return [" ".join(x.split()) for x in html.unescape(s).split("\n") if x.strip()]


def _to_draft(chart: Flowchart, draft: Draft) -> None:
    incoming: dict[str, int] = {nid: 0 for nid in chart.nodes}
    pairs = _dependency_pairs(chart, draft)
    for _src, dst in pairs:
        incoming[dst] += 1

    ids: dict[str, str] = {}  # mermaid node id -> plan id
    label_ids = Counter(_split_label(n)[0] for n in chart.nodes.values())
    # a diagram made only of phases is a roadmap: its phases are the work, not earlier work
    titles = [_split_label(n)[1] for n in chart.nodes.values() if n.id not in chart.subgraphs]
    roadmap = all(_PHASE_NAME.match(t) for t in titles)
    units: Counter[str] = Counter()
    items: dict[str, Item] = {}
    for node in chart.nodes.values():
        if node.id in chart.subgraphs:
            continue
        wanted, title, size, unit, rest = _split_label(node)
        if not roadmap and _is_earlier_work(title, incoming[node.id]):
            xid = draft.unique_id(slug(title) or node.id, node.line)
            draft.add_external(
                xid,
                title,
                note=f"node {node.id}: earlier work (no incoming arrow, named as a phase or done)",
            )
            ids[node.id] = xid
            continue
        use_label = bool(wanted) and label_ids[wanted] == 1
        eid = draft.unique_id(wanted if use_label else node.id, node.line)
        ids[node.id] = eid
        it = Item(eid, title or node.id, line=node.line)
        if use_label:
            it.comment = f"node {node.id}; id taken from its label"
        if size is not None and unit is not None:
            it.fields["size"] = size
            units[unit] += 1
        if rest:
            it.fields["description"] = "\n".join(rest)
        if node.classes & _DONE_CLASS or _DONE_MARK.search(node.label):
            it.status = "done"
        items[node.id] = it

    for (src, dst), how in pairs.items():
        if dst in items and src in ids:
            items[dst].deps.append(ids[src])
            if how:
                prev = items[dst].notes.get("depends_on")
                items[dst].notes["depends_on"] = f"{prev}; {how}" if prev else how

    _groups(chart, draft, items)
    if units:
        unit, _ = units.most_common(1)[0]
        draft.units = unit
        draft.units_note = "from the sizes in the node labels"
        for nid, it in items.items():
            node = chart.nodes[nid]
            if "size" not in it.fields:
                it.notes["title"] = "no size in the label; counts as 1"
            elif _split_label(node)[3] != unit:
                draft.warn(node.line, f"{it.id!r} is sized in another unit than {unit}")
    else:
        draft.units = "tasks"
    draft.items.extend(items.values())


def _split_label(node: Node) -> tuple[str, str, float | None, str | None, list[str]]:
    """(id from the label or '', title, size, unit, other lines) of a node."""
    lines = _label_lines(node.label) or [node.id]
    size: float | None = None
    unit: str | None = None
    rest: list[str] = []
    for k, line in enumerate(lines):
        m = SIZE.search(line)
        if m and size is None:
            size = float(m.group(1).replace(",", "")) * (1000 if m.group(2) else 1)
            unit = UNITS[m.group(3).lower()]
            stripped = (line[: m.start()] + line[m.end() :]).strip(" -,:()[]")
            if k == 0 and stripped:
                lines[0] = stripped
            elif k > 0 and stripped:
                rest.append(stripped)
            if k == 0 and not stripped:
                lines[0] = node.id
        elif k > 0:
            rest.append(line)
    first = lines[0]
    wanted = ""
    m = _LABEL_ID.match(first)
    if m and clean_id(m.group(1)) == m.group(1):
        wanted, first = m.group(1), m.group(2).strip()
    return wanted, first, size, unit, rest


def _is_earlier_work(title: str, incoming: int) -> bool:
    # done nodes that others wait for become externals later, in Draft.finish
    return incoming == 0 and _PHASE_NAME.match(title) is not None


def _dependency_pairs(chart: Flowchart, draft: Draft) -> dict[tuple[str, str], str]:
    """(prerequisite, dependent) -> a comment when the pair came only from a doubtful edge."""
    solid: dict[tuple[str, str], str] = {}
    dotted: dict[tuple[str, str], str] = {}
    for e in chart.edges:
        if e.kind == "invisible":
            continue
        if e.direction in ("none", "both"):
            draft.warn(
                e.line, f"link {e.src} - {e.dst} has no single direction; no dependency made"
            )
            continue
        src, dst = (e.src, e.dst) if e.direction == "forward" else (e.dst, e.src)
        for a in _expand(chart, src):
            for b in _expand(chart, dst):
                if a == b:
                    continue
                if e.kind == "dotted":
                    dotted.setdefault((a, b), e.label)
                else:
                    solid.setdefault((a, b), "")
    out = dict(solid)
    for pair, label in dotted.items():
        if pair not in out:
            said = f" labelled {one_line(label, 40)!r}" if label else ""
            out[pair] = f"{pair[0]} from a dotted arrow{said}; check it is a real dependency"
    return out


def _expand(chart: Flowchart, nid: str) -> list[str]:
    """An arrow to or from a subgraph stands for every node inside it."""
    if nid in chart.subgraphs:
        return chart.members(nid)
    return [nid]


def _groups(chart: Flowchart, draft: Draft, items: dict[str, Item]) -> None:
    tops = [s for s in chart.subgraphs.values() if s.parent is None]
    waves = {s.id: int(m.group(1)) for s in tops if (m := _WAVE.match(s.title))}
    for s in tops:
        if s.id in waves or not any(chart.nodes[n].group[:1] == (s.id,) for n in items):
            continue
        pid = draft.unique_id(clean_id(s.id) or slug(s.title), s.line)
        draft.phases.append({"id": pid, "title": s.title, "after": []})
        draft.phase_notes[pid] = f"subgraph {s.id}; order between phases not stated in the diagram"
        for nid, it in items.items():
            if chart.nodes[nid].group[:1] == (s.id,):
                it.fields["phase"] = pid
    for nid, it in items.items():
        top = chart.nodes[nid].group[:1]
        if top and top[0] in waves:
            it.fields["wave"] = waves[top[0]]
