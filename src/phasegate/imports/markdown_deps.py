"""Dependencies in markdown plans: fenced YAML tables of `depends_on` / `enables`, and
`Depends on:` fields of effort sections.

A name in either place may be an effort id, a section's branch name, title or owner; a name
that matches nothing is kept as written, so `Draft.finish` turns it into an external
prerequisite with a warning.
"""

from __future__ import annotations

import re
from typing import Any

from phasegate.imports.build import Draft, Item
from phasegate.imports.markdown_syntax import Document, Section, names
from phasegate.plan.yamlpos import YamlProblem, parse

_DEP_KEYS = ("depends on", "depends_on", "after", "blocked by", "requires")


def dependency_blocks(doc: Document, draft: Draft) -> dict[str, tuple[dict[str, Any], int]]:
    """name -> ({depends_on, enables}, line) from fenced YAML blocks."""
    out: dict[str, tuple[dict[str, Any], int]] = {}
    for b in doc.blocks:
        if b.lang not in ("yaml", "yml"):
            continue
        try:
            data = parse(b.text).data  # aliases bounded as in a plan
        except YamlProblem as e:
            line = b.line + max(0, e.line - 1)
            draft.warn(line, f"a YAML block does not parse ({e.message}); skipped")
            continue
        table = _find_table(data, 3)
        for name, spec in (table or {}).items():
            line = b.line + _line_in(b.text, str(name))
            out.setdefault(str(name), (spec, line))
    return out


def _find_table(data: Any, depth: int) -> dict[str, dict[str, Any]] | None:
    if not isinstance(data, dict) or depth == 0:
        return None
    specs = [v for v in data.values() if isinstance(v, dict)]
    if specs and any(_DEP_KEYS_YAML & {str(k) for k in v} for v in specs):
        return {str(k): v for k, v in data.items() if isinstance(v, dict)}
    for v in data.values():
        found = _find_table(v, depth - 1)
        if found:
            return found
    return None


_DEP_KEYS_YAML = {"depends_on", "depends-on", "dependencies", "enables", "after", "blocked_by"}


def _line_in(text: str, key: str) -> int:
    for k, line in enumerate(text.splitlines()):
        if re.match(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:", line):
            return k
    return 0


def _as_list(v: Any) -> list[str]:
    if v is None:
        return []
    if isinstance(v, list):
        return [str(x) for x in v if x is not None and not isinstance(x, dict | list)]
    return [x.strip() for x in str(v).split(",") if x.strip()]


def apply_dependencies(
    dep_map: dict[str, tuple[dict[str, Any], int]],
    draft: Draft,
    secs: list[Section],
    owned: dict[int, Item],
) -> None:
    def resolve(name: str) -> Item | None:
        for it in draft.items:
            if it.id == name:
                return it
        for s in secs:
            if id(s) in owned and names(s, name):
                return owned[id(s)]
        return None

    for name, (spec, line) in dep_map.items():
        it = resolve(name)
        if it is None:
            it = Item(draft.unique_id(name, line), name, line=line)
            it.comment = f"named only in the dependency block at line {line}"
            draft.items.append(it)
        for key in ("depends_on", "depends-on", "dependencies", "after", "blocked_by"):
            for d in _as_list(spec.get(key)):
                target = resolve(d)
                it.deps.append(target.id if target else d)
                it.dep_lines.setdefault(target.id if target else d, line + 1)
        lost: list[str] = []
        for e in _as_list(spec.get("enables")):
            target = resolve(e)
            if target is None:
                lost.append(e)
            elif it.id not in target.deps:
                target.deps.append(it.id)
        if lost:
            it.fields["notes"] = "enables (not efforts of this plan): " + ", ".join(lost)


def field_dependencies(secs: list[Section], draft: Draft, owned: dict[int, Item]) -> None:
    """`Depends on: a, b` fields: names of efforts, or ids of work outside the document."""
    for s in secs:
        it = owned.get(id(s))
        key = next((k for k in _DEP_KEYS if k in s.fields), None)
        if it is None or key is None:
            continue
        unclear: list[str] = []
        for name in re.split(r",|;|\band\b", s.fields[key][0]):
            name = name.strip().strip("`'\"")
            if not name or name.lower() in ("none", "n/a", "-"):
                continue
            target = next((x for x in draft.items if x.id == name), None)
            target = target or next(
                (owned[id(o)] for o in secs if id(o) in owned and names(o, name)), None
            )
            if target is not None:
                it.deps.append(target.id)
            elif " " not in name:
                it.deps.append(name)
            else:
                unclear.append(name)
        if unclear:
            it.notes["title"] = "dependencies not understood: " + "; ".join(unclear)
