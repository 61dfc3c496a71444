"""Mermaid flowchart syntax -> nodes, edges and subgraphs (no plan semantics here).

Covers `graph`/`flowchart` in any direction: node shapes, `:::class`, `A & B --> C`, chains,
solid, dotted, thick and invisible links with `-- text -->` or `-->|text|` labels, subgraphs,
`%%` comments, and the styling statements, which are skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phasegate.imports.build import SourceError

_HEADER = re.compile(r"^(graph|flowchart(?:-elk)?)(?![\w-])(?:\s+(TB|TD|BT|RL|LR))?\s*;?", re.I)
_NODE_ID = re.compile(r"[\w$]+(?:[.\-][\w$]+)*")
_CLASS = re.compile(r":::([\w-]+)")
_SKIP = re.compile(r"^(style|classDef|linkStyle|click|direction|accTitle|accDescr)\b", re.I)
_CLASS_STMT = re.compile(r"^class\s+([\w$.,\- ]+?)\s+([\w-]+)\s*;?\s*$")
_HEAD = r"(?:>|[xo](?![\w]))"
_ARROW = re.compile(rf"<?(?:-{{2,}}{_HEAD}|-{{3,}}|={{2,}}{_HEAD}|={{3,}}|-\.+-{_HEAD}?|~{{3,}})")
_LABEL_START = re.compile(r"<?(--|==|-\.)(?=[^->=.])")
_LABEL_END = {
    "--": re.compile(rf"-{{2,}}{_HEAD}|-{{3,}}"),
    "==": re.compile(rf"={{2,}}{_HEAD}|={{3,}}"),
    "-.": re.compile(rf"\.-+{_HEAD}?"),
}
# opener -> closers, longest openers first so `[[` is not read as `[`
_SHAPES: list[tuple[str, tuple[str, ...]]] = [
    ("(((", (")))",)),
    ("([", ("])",)),
    ("[[", ("]]",)),
    ("[(", (")]",)),
    ("((", ("))",)),
    ("{{", ("}}",)),
    ("[/", ("/]", "\\]")),
    ("[\\", ("\\]", "/]")),
    (">", ("]",)),
    ("(", (")",)),
    ("[", ("]",)),
    ("{", ("}",)),
]


@dataclass
class Node:
    id: str
    label: str
    line: int
    shaped: bool = False  # declared with a shape (and so a label) somewhere
    classes: set[str] = field(default_factory=set)
    group: tuple[str, ...] = ()  # enclosing subgraph ids, outermost first


@dataclass
class Edge:
    src: str
    dst: str
    kind: str  # solid | dotted | thick | invisible
    direction: str  # forward | backward | both | none
    label: str
    line: int


@dataclass
class Subgraph:
    id: str
    title: str
    line: int
    parent: str | None


@dataclass
class Flowchart:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    subgraphs: dict[str, Subgraph] = field(default_factory=dict)

    def members(self, sub: str) -> list[str]:
        return [n.id for n in self.nodes.values() if sub in n.group]


def find_graph(text: str) -> tuple[int, list[str]] | None:
    """(first line number, lines) of the first flowchart: the whole text or a ```mermaid block."""
    lines = text.splitlines()
    first = _first_statement(lines, 0, len(lines))
    if first is not None and _HEADER.match(lines[first].strip()):
        return first + 1, lines[first:]
    i = 0
    while i < len(lines):
        m = re.match(r"^\s*(`{3,}|~{3,})\s*mermaid\b", lines[i], re.I)
        if m:
            fence = m.group(1)
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith(fence):
                end += 1
            head = _first_statement(lines, i + 1, end)
            if head is not None and _HEADER.match(lines[head].strip()):
                return head + 1, lines[head:end]
            i = end
        i += 1
    return None


def _first_statement(lines: list[str], start: int, end: int) -> int | None:
    in_front = False
    for i in range(start, end):
        s = lines[i].strip()
        if i == start and s == "---":
            in_front = True
            continue
        if in_front:
            in_front = s != "---"
            continue
        if s and not s.startswith("%%"):
            return i
    return None


def parse(lines: list[str], first_line: int, source: str) -> Flowchart:
    """Parse a flowchart whose header is `lines[0]`, at line `first_line` of `source`."""
    p = _Parser(source)
    head = _HEADER.match(lines[0].strip())
    if head is None:
        raise SourceError(
            source, first_line, "expected 'graph' or 'flowchart' to start the diagram"
        )
    rest = lines[0].strip()[head.end() :]
    for k, raw in enumerate([rest, *lines[1:]]):
        p.line(raw, first_line + k)
    if p.stack:
        sub = p.chart.subgraphs[p.stack[-1]]
        raise SourceError(source, sub.line, f"subgraph {sub.id!r} is never closed with 'end'")
    return p.chart


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.chart = Flowchart()
        self.stack: list[str] = []

    def fail(self, line: int, message: str) -> SourceError:
        return SourceError(self.source, line, message)

    def line(self, raw: str, n: int) -> None:
        text = raw.strip()
        if not text or text.startswith("%%"):
            return
        if _SKIP.match(text):
            return
        m = _CLASS_STMT.match(text)
        if m:
            for nid in m.group(1).split(","):
                self._node(nid.strip(), None, n).classes.add(m.group(2))
            return
        if re.match(r"^subgraph\b", text):
            self._subgraph(text[len("subgraph") :].strip(), n)
            return
        if re.match(r"^end\s*;?\s*$", text):
            if not self.stack:
                raise self.fail(n, "'end' without an open subgraph")
            self.stack.pop()
            return
        pos = 0
        while pos < len(text):
            pos = self._statement(text, pos, n)
            pos = _skip_ws(text, pos)
            if pos < len(text) and text[pos] == ";":
                pos += 1
            pos = _skip_ws(text, pos)

    def _subgraph(self, rest: str, n: int) -> None:
        rest = rest.rstrip(";").strip()
        m = re.match(r'^([\w$.\-]+)\s*\[\s*"?(.*?)"?\s*\]$', rest)
        if m:
            sid, title = m.group(1), m.group(2)
        elif rest.startswith('"') and rest.endswith('"') and len(rest) > 1:
            title = rest[1:-1]
            sid = (
                re.sub(r"\W+", "_", title).strip("_") or f"subgraph{len(self.chart.subgraphs) + 1}"
            )
        elif rest:
            title = rest
            sid = rest if _NODE_ID.fullmatch(rest) else re.sub(r"\W+", "_", rest).strip("_")
        else:
            sid = title = f"subgraph{len(self.chart.subgraphs) + 1}"
        if sid in self.chart.subgraphs:
            raise self.fail(n, f"subgraph {sid!r} is declared twice")
        parent = self.stack[-1] if self.stack else None
        self.chart.subgraphs[sid] = Subgraph(sid, title.strip(), n, parent)
        self.stack.append(sid)

    def _node(self, nid: str, label: str | None, n: int) -> Node:
        node = self.chart.nodes.get(nid)
        if node is None:
            node = Node(nid, nid, n, group=tuple(self.stack))
            self.chart.nodes[nid] = node
        elif self.stack and not node.group:
            node.group = tuple(self.stack)
        if label is not None and not node.shaped:
            node.label, node.shaped, node.line = label, True, n
        return node

    def _statement(self, text: str, pos: int, n: int) -> int:
        groups: list[list[str]] = []
        links: list[tuple[str, str, str]] = []
        pos, group = self._group(text, pos, n)
        groups.append(group)
        while True:
            pos = _skip_ws(text, pos)
            if pos >= len(text) or text[pos] == ";":
                break
            pos, link = self._link(text, pos, n)
            links.append(link)
            pos, group = self._group(text, _skip_ws(text, pos), n)
            groups.append(group)
        for (kind, direction, label), left, right in zip(links, groups, groups[1:], strict=False):
            for a in left:
                for b in right:
                    self.chart.edges.append(Edge(a, b, kind, direction, label, n))
        return pos

    def _group(self, text: str, pos: int, n: int) -> tuple[int, list[str]]:
        ids: list[str] = []
        while True:
            pos, nid = self._one_node(text, _skip_ws(text, pos), n)
            ids.append(nid)
            after = _skip_ws(text, pos)
            if after < len(text) and text[after] == "&":
                pos = after + 1
                continue
            return pos, ids

    def _one_node(self, text: str, pos: int, n: int) -> tuple[int, str]:
        m = _NODE_ID.match(text, pos)
        if not m:
            shown = text[pos : pos + 20] or "end of line"
            raise self.fail(n, f"expected a node id at column {pos + 1}, found {shown!r}")
        nid = m.group()
        pos = m.end()
        classes: list[str] = []
        c = _CLASS.match(text, pos)
        if c:
            classes.append(c.group(1))
            pos = c.end()
        label: str | None = None
        if text.startswith("@{", pos):
            end = text.find("}", pos)
            if end < 0:
                raise self.fail(n, f"node {nid!r}: '@{{' is never closed")
            body = text[pos + 2 : end]
            lm = re.search(r'label\s*:\s*(?:"([^"]*)"|([^,}]*))', body)
            label = (
                lm.group(1) if lm and lm.group(1) is not None else (lm.group(2) if lm else nid)
            ).strip()
            pos = end + 1
        else:
            for opener, closers in _SHAPES:
                if not text.startswith(opener, pos):
                    continue
                found = _shape_body(text, pos + len(opener), closers)
                if found is not None:
                    label, pos = found
                    break
            else:
                if pos < len(text) and text[pos] in "[({>":
                    raise self.fail(
                        n, f"node {nid!r}: the shape opened at column {pos + 1} is never closed"
                    )
        c = _CLASS.match(text, pos)
        if c:
            classes.append(c.group(1))
            pos = c.end()
        self._node(nid, label, n).classes.update(classes)
        return pos, nid

    def _link(self, text: str, pos: int, n: int) -> tuple[int, tuple[str, str, str]]:
        label = ""
        m = _ARROW.match(text, pos)
        if m:
            arrow = m.group()
            pos = m.end()
        else:
            s = _LABEL_START.match(text, pos)
            end = _LABEL_END[s.group(1)].search(text, s.end()) if s else None
            if s is None or end is None:
                shown = text[pos : pos + 20]
                raise self.fail(
                    n, f"expected an arrow such as --> at column {pos + 1}, found {shown!r}"
                )
            label = text[s.end() : end.start()].strip()
            arrow = s.group() + end.group()
            pos = end.end()
        after = _skip_ws(text, pos)
        if after < len(text) and text[after] == "|":
            close = text.find("|", after + 1)
            if close < 0:
                raise self.fail(
                    n, f"edge label opened with '|' at column {after + 1} is never closed"
                )
            label = text[after + 1 : close].strip()
            pos = close + 1
        kind = (
            "invisible"
            if "~" in arrow
            else "thick"
            if "=" in arrow
            else "dotted"
            if "." in arrow
            else "solid"
        )
        head = arrow[-1] in ">xo" and not arrow.endswith(("-", "=", "."))
        back = arrow.startswith("<")
        direction = (
            "both" if head and back else "forward" if head else "backward" if back else "none"
        )
        return pos, (kind, direction, label.strip('"'))


def _shape_body(text: str, start: int, closers: tuple[str, ...]) -> tuple[str, int] | None:
    body_start = _skip_ws(text, start)
    if body_start < len(text) and text[body_start] == '"':
        q = text.find('"', body_start + 1)
        if q < 0:
            return None
        after = _skip_ws(text, q + 1)
        for c in closers:
            if text.startswith(c, after):
                return text[body_start + 1 : q], after + len(c)
        return None
    hits = [(text.find(c, start), c) for c in closers]
    hits = [(i, c) for i, c in hits if i >= 0]
    if not hits:
        return None
    i, c = min(hits)
    return text[start:i].strip(), i + len(c)


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos
