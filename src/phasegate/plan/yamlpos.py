"""YAML to plain data, keeping the node tree so any path can be located on demand.

Positions are looked up only when there is something to report, so a valid 10,000-effort
plan pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # the C parser is many times faster; the pure one is the fallback
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
# First characters with which a plain scalar may resolve to something other than a string
# (bool, null, int, float, timestamp, merge, value); every other plain scalar is a string.
_MAYBE_TYPED = frozenset("0123456789+-.:<=~yYnNtTfFoO")


class _Loader(_BaseLoader):
    """Resolves most plain scalars without the generic regex scan, which dominates load
    time on large plans; anything that could be typed goes through the standard rules."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0] and value and value[0] not in _MAYBE_TYPED:
            return _STR_TAG
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


PathPart = str | int
Path = tuple[PathPart, ...]

_BOOL = {
    "true": True, "yes": True, "on": True,
    "false": False, "no": False, "off": False,
}  # fmt: skip


@dataclass(frozen=True)
class Position:
    line: int
    col: int


class YamlProblem(Exception):
    def __init__(self, message: str, line: int = 0, col: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass
class Document:
    data: Any
    root: yaml.Node | None
    duplicates: list[tuple[Path, Position]]
    # Numbers written otherwise than Python prints them (0x1F, 017, 1_000, 1:30, +5, 8.10),
    # by path, with their text: as ids they would silently become other names, and an
    # error about them must quote what the user wrote.
    respelled: dict[Path, str] = field(default_factory=dict)

    def locate(self, path: Sequence[PathPart], *, key: bool = False) -> Position:
        """Best position for `path`: the node itself, or the deepest ancestor that exists."""
        node = self.root
        best = _pos(node) if node is not None else Position(1, 1)
        for i, part in enumerate(path):
            if isinstance(node, yaml.MappingNode):
                found = None
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                        found = (k, v)
                if found is None:
                    return best
                last = i == len(path) - 1
                node = found[0] if (key and last) else found[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
                if not 0 <= part < len(node.value):
                    return best
                node = node.value[part]
            else:
                return best
            best = _pos(node)
        return best

    def written(self, path: Sequence[PathPart], value: object) -> str | None:
        """How the number `value` at `path` was written, when otherwise than Python prints it.

        Only for error messages: a value merged in with `<<` can leave text behind at a path
        a later key overrides, so the text must still read as `value`."""
        text = self.respelled.get(tuple(path))
        if text is None:
            return None
        try:
            again = parse(text).data
        except YamlProblem:
            return None
        return text if type(again) is type(value) and again == value else None


def _pos(node: yaml.Node) -> Position:
    return Position(node.start_mark.line + 1, node.start_mark.column + 1)


def parse(text: str) -> Document:
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        msg = f"YAML syntax: {e.problem or e.context or 'invalid document'}"
        if e.context and e.problem:
            msg = f"YAML syntax: {e.problem} ({e.context})"
        msg = " ".join(msg.split())
        if mark is None:
            raise YamlProblem(msg) from None
        raise YamlProblem(msg, mark.line + 1, mark.column + 1) from None
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1
        col = e.position - (text.rfind("\n", 0, e.position) + 1) + 1
        what = f"character {e.character!r}" if isinstance(e.character, str) else "byte"
        raise YamlProblem(f"YAML: {what} is not allowed ({e.reason})", line, col) from None
    except yaml.YAMLError as e:
        raise YamlProblem("YAML: " + " ".join(str(e).split())) from None
    if root is None:
        return Document(None, None, [])
    # Only an alias can make a node appear twice, and only an anchor (`&name`) can give an
    # alias something to name: without one the document is a tree no bigger than its text,
    # and walking all of it again (a third of a big plan's parse) finds nothing.
    if "&" in text:
        check_expansion(root)
    doc = Document(None, root, [])
    doc.data = _convert(root, (), doc)
    return doc


# Aliases let a few hundred bytes stand for billions of nodes (a "billion laughs" document);
# a real plan of 10,000 efforts has a few hundred thousand.
MAX_EXPANDED_NODES = 2_000_000


def check_expansion(root: yaml.Node, limit: int = MAX_EXPANDED_NODES) -> None:
    """YamlProblem, at the anchor that repeats the most, when the document with every alias
    expanded would exceed `limit` nodes, or when an alias contains itself."""
    size: dict[int, int] = {}
    uses: dict[int, int] = {}
    by_id: dict[int, yaml.Node] = {}
    busy: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if not children_done:
            uses[key] = uses.get(key, 0) + 1
            if key in size:
                continue
            if key in busy:
                p = _pos(node)
                raise YamlProblem("YAML: an alias refers to a node that contains it", p.line, p.col)
            busy.add(key)
            by_id[key] = node
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node))
            continue
        busy.discard(key)
        size[key] = 1 + sum(size[id(c)] for c in _children(node))
        if size[key] > limit:
            worst = max((k for k in uses if uses[k] > 1), key=lambda k: size.get(k, 0) * uses[k],
                        default=key)  # fmt: skip
            p = _pos(by_id[worst])
            raise YamlProblem(
                f"YAML: aliases expand to more than {limit:,} nodes; write the repeated "
                "parts out, or repeat them less",
                p.line,
                p.col,
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    return []


def _convert(node: yaml.Node, path: Path, doc: Document) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = _scalar(node)
        if (node.tag == _INT_TAG and type(value) is int and str(value) != node.value) or (
            node.tag == _FLOAT_TAG and type(value) is float and str(value) != node.value
        ):
            doc.respelled[path] = node.value
        return value
    if isinstance(node, yaml.SequenceNode):
        return [_convert(v, (*path, i), doc) for i, v in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        dups = doc.duplicates
        out: dict[Any, Any] = {}
        merged: set[Any] = set()  # keys `<<` brought in, which the mapping's own keys override
        for k, v in node.value:
            if k.tag == "tag:yaml.org,2002:merge" and isinstance(
                v, yaml.MappingNode | yaml.SequenceNode
            ):
                # Each source at this mapping's path, so what it brings is found where it lands.
                sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
                for src in sources:
                    m = _convert(src, path, doc)
                    if isinstance(m, dict):
                        for mk, mv in m.items():
                            if mk not in out:
                                out[mk] = mv
                                merged.add(mk)
                continue
            key = _scalar(k) if isinstance(k, yaml.ScalarNode) else repr(_convert(k, path, doc))
            if not isinstance(key, str | int):
                key = str(key)
            if key in out and key not in merged:
                dups.append(((*path, key), _pos(k)))
            merged.discard(key)
            out[key] = _convert(v, (*path, key), doc)
        return out
    return None  # pragma: no cover - composer yields only the three kinds


def _scalar(node: yaml.ScalarNode) -> Any:
    tag = node.tag
    value: str = node.value
    if tag == "tag:yaml.org,2002:str":
        return value
    if tag == "tag:yaml.org,2002:int":
        try:
            return _yaml11_int(value)
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:float":
        low = value.lower().replace("_", "")
        if low in (".inf", "+.inf"):
            return float("inf")
        if low == "-.inf":
            return float("-inf")
        if low == ".nan":
            return float("nan")
        try:
            return _sexagesimal(low) if ":" in low else float(low)
        except ValueError:
            return value
    if tag == "tag:yaml.org,2002:bool":
        return _BOOL.get(value.lower(), value)
    if tag == "tag:yaml.org,2002:null":
        return None
    # timestamps, binary and custom tags stay as their text: the plan has no use for them
    return value


def _sexagesimal(text: str) -> float:
    sign = -1 if text.startswith("-") else 1
    total = 0.0
    for part in text.lstrip("+-").split(":"):
        total = total * 60 + float(part)
    return sign * total


def _yaml11_int(value: str) -> int:
    """YAML 1.1 integers as PyYAML reads them: 0b binary, leading-0 octal, 0x hex, base 60."""
    text = value.replace("_", "")
    sign = -1 if text.startswith("-") else 1
    text = text.lstrip("+-")
    if text == "0":
        return 0
    if ":" in text:
        return sign * int(_sexagesimal(text))
    if text.startswith("0b"):
        return sign * int(text[2:], 2)
    if text.startswith("0x"):
        return sign * int(text[2:], 16)
    if text.startswith("0"):
        return sign * int(text, 8)
    return sign * int(text)
