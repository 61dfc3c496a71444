"""Assembly shared by the importers: ids, unknown references, finished work, cycles, layout.

An importer fills a `Draft` with `Item`s in the order the source lists them and calls
`finish()`, which settles everything the plan format is strict about, so each importer only
has to read its own syntax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from phasegate.errors import InputError
from phasegate.imports.emit import Imported, PathKey

PRIORITIES = ("critical", "high", "medium", "low")
UNITS = ("lines", "hours", "points", "days", "tasks")

_GOOD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]*$")
_BAD_ID_CHARS = re.compile(r"[^A-Za-z0-9._:/-]+")
_WORDS = re.compile(r"[A-Za-z0-9]+")


class SourceError(InputError):
    """Malformed input, located like a compiler error: `file:line: error: message`."""

    def __init__(self, file: str, line: int, message: str) -> None:
        self.file = file
        self.line = line
        self.message = message
        where = f"{file}:{line}" if line > 0 else file
        super().__init__(f"{where}: error: {message}")

    def lines(self) -> list[str]:
        return [str(self)]


def clean_id(raw: object) -> str:
    """An id the plan accepts, as close to `raw` as possible ('' when nothing is left)."""
    s = str(raw).strip()
    if _GOOD_ID.match(s):
        return s
    s = _BAD_ID_CHARS.sub("-", s)
    s = re.sub(r"-{2,}", "-", s)
    return s.lstrip("._:/-").rstrip("-")


def slug(text: str) -> str:
    return "-".join(w.lower() for w in _WORDS.findall(text))


def one_line(text: str, limit: int = 160) -> str:
    s = " ".join(str(text).split())
    return s if len(s) <= limit else s[: limit - 3] + "..."


@dataclass
class Item:
    """One effort as the source describes it; `fields` holds any other Effort keys."""

    id: str
    title: str = ""
    deps: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    status: str | None = None  # done, running, checking, blocked, cancelled, pending
    line: int = 0
    comment: str = ""
    notes: dict[str, str] = field(default_factory=dict)  # effort key -> comment
    dep_lines: dict[str, int] = field(default_factory=dict)  # where a dependency was written
    exported: bool = False  # written by `phasegate export`: an effort of a plan, kept as one


@dataclass
class Draft:
    source: str
    project: str
    fmt: str
    items: list[Item] = field(default_factory=list)
    phases: list[dict[str, Any]] = field(default_factory=list)
    phase_notes: dict[str, str] = field(default_factory=dict)  # phase id -> comment
    externals: list[dict[str, Any]] = field(default_factory=list)
    external_notes: dict[str, str] = field(default_factory=dict)
    units: str | None = None
    units_note: str = ""
    warnings: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    reserved: set[str] = field(default_factory=set)  # ids handed out by unique_id

    def warn(self, line: int, message: str) -> None:
        self.warnings.append(f"line {line}: {message}" if line > 0 else message)

    def ids(self) -> set[str]:
        return {i.id for i in self.items} | {str(x["id"]) for x in self.externals}

    def unique_id(self, wanted: str, line: int = 0) -> str:
        """`wanted` cleaned, or with a suffix when an earlier item already took it."""
        base = clean_id(wanted) or "item"
        taken = self.ids() | {str(p["id"]) for p in self.phases} | self.reserved
        if base not in taken:
            self.reserved.add(base)
            return base
        n = 2
        while f"{base}-{n}" in taken:
            n += 1
        self.warn(line, f"id {base!r} is used twice; the second is renamed {base}-{n}")
        self.reserved.add(f"{base}-{n}")
        return f"{base}-{n}"

    def add_external(self, xid: str, title: str, status: str = "done", note: str = "") -> str:
        if xid in self.ids():
            return xid
        self.externals.append({"id": xid, "title": title, "status": status})
        if note:
            self.external_notes[xid] = note
        return xid

    def finish(self) -> Imported:
        self._resolve_references()
        self._retire_finished_work()
        self._check_cycles()
        self._check_waves()
        self._settle_phases()
        return self._layout()

    # -- steps of finish() -------------------------------------------------------------

    def _resolve_references(self) -> None:
        known = self.ids()
        for it in self.items:
            seen: list[str] = []
            for d in it.deps:
                if d == it.id:
                    self.warn(it.line, f"{it.id!r} depends on itself; dropped")
                elif d not in seen:
                    seen.append(d)
            it.deps = seen
            for d in seen:
                if d in known:
                    continue
                cleaned = clean_id(d)
                if not cleaned:
                    raise SourceError(self.source, it.line, f"{it.id!r} depends on {d!r}")
                self.warn(
                    it.dep_lines.get(d, it.line),
                    f"{it.id!r} depends on {d!r}, which the file does not define; "
                    "it becomes an external prerequisite",
                )
                self.add_external(
                    cleaned,
                    d,
                    note="not defined in the source; assumed done before this plan",
                )
                known.add(cleaned)
            it.deps = [d if d in known else clean_id(d) for d in it.deps]

    def _retire_finished_work(self) -> None:
        """Done work others wait for becomes an external prerequisite; the rest keeps its state."""
        needed = {d for it in self.items for d in it.deps}
        kept: list[Item] = []
        for it in self.items:
            if it.status == "done" and it.id in needed and not it.exported:
                self.externals.append({"id": it.id, "title": it.title, "status": "done"})
                self.external_notes[it.id] = f"done in the {self.fmt} file"
            else:
                kept.append(it)
        self.items = kept

    def _check_cycles(self) -> None:
        by_id = {it.id: it for it in self.items}
        color: dict[str, int] = {}
        for start in by_id:
            if color.get(start):
                continue
            stack: list[tuple[str, int]] = [(start, 0)]
            trail: list[str] = []
            while stack:
                node, k = stack.pop()
                if k == 0:
                    color[node] = 1
                    trail.append(node)
                deps = [d for d in by_id[node].deps if d in by_id]
                if k < len(deps):
                    stack.append((node, k + 1))
                    nxt = deps[k]
                    if color.get(nxt) == 1:
                        loop = [*trail[trail.index(nxt) :], nxt]
                        raise SourceError(
                            self.source,
                            by_id[nxt].line,
                            "dependency cycle: " + " -> ".join(reversed(loop)),
                        )
                    if not color.get(nxt):
                        stack.append((nxt, 0))
                else:
                    color[node] = 2
                    trail.pop()

    def _check_waves(self) -> None:
        waves = {it.id: it.fields.get("wave") for it in self.items}
        if not any(waves.values()):
            return
        ok = all(isinstance(w, int) for w in waves.values())
        for it in self.items:
            for d in it.deps:
                dw = waves.get(d)
                w = waves[it.id]
                # same wave is allowed: a staggered start inside the wave
                if isinstance(dw, int) and isinstance(w, int) and dw > w:
                    ok = False
        if not ok:
            self.warn(
                0,
                "wave labels dropped: they do not cover every effort or contradict the dependencies",
            )
            for it in self.items:
                it.fields.pop("wave", None)

    def _settle_phases(self) -> None:
        used = {it.fields.get("phase") for it in self.items}
        self.phases = [p for p in self.phases if p["id"] in used or p.get("deliverables")]
        if len(self.phases) > 1 and None in used:
            pid = self.unique_id("other")
            self.phases.append({"id": pid, "title": "Not in any group of the source", "after": []})
            self.phase_notes[pid] = "holds the efforts the source left outside its groups"
            for it in self.items:
                it.fields.setdefault("phase", pid)
        known = {p["id"] for p in self.phases}
        before: dict[str, set[str]] = {pid: set() for pid in known}

        def reaches(a: str, b: str) -> bool:
            todo, seen = [a], set()
            while todo:
                x = todo.pop()
                if x == b:
                    return True
                if x not in seen:
                    seen.add(x)
                    todo.extend(before[x])
            return False

        for p in self.phases:
            if not isinstance(p.get("after"), list):
                continue
            kept = []
            for a in dict.fromkeys(p["after"]):
                if a not in known:
                    continue
                if reaches(a, p["id"]):
                    self.warn(0, f"phase {p['id']!r} after {a!r} would close a loop; dropped")
                    continue
                before[p["id"]].add(a)
                kept.append(a)
            p["after"] = kept

    def _layout(self) -> Imported:
        data: dict[str, Any] = {"version": 1, "project": self.project or "imported"}
        imp = Imported(data, header=list(self.header), warnings=list(self.warnings))
        if self.units:
            data["units"] = self.units
            if self.units_note:
                imp.note(("units",), self.units_note)
        if self.externals:
            data["external"] = self.externals
            for i, x in enumerate(self.externals):
                if x["id"] in self.external_notes:
                    imp.note(("external", i), self.external_notes[x["id"]])
        if self.phases:
            data["phases"] = self.phases
            for i, p in enumerate(self.phases):
                if p["id"] in self.phase_notes:
                    imp.note(("phases", i), self.phase_notes[p["id"]])
        efforts: list[dict[str, Any]] = []
        for i, it in enumerate(self.items):
            e: dict[str, Any] = {"id": it.id}
            if it.title:
                e["title"] = it.title
            e.update({k: v for k, v in it.fields.items() if k not in ("id", "depends_on")})
            if it.deps:
                e["depends_on"] = it.deps
            efforts.append(e)
            path: PathKey = ("efforts", i)
            comment = it.comment
            if it.status and it.status != "pending":
                imp.state[it.id] = it.status
                recorded = f"status {it.status} (recorded state)"
                comment = f"{comment}; {recorded}" if comment else recorded
            if comment:
                imp.note(path, comment)
            for key, text in it.notes.items():
                if key in e:
                    imp.note((*path, key), text)
        data["efforts"] = efforts
        if imp.state:
            shown = ", ".join(f"{k}={v}" for k, v in imp.state.items())
            imp.header.append(f"recorded state: {one_line(shown, 400)}")
        return imp
