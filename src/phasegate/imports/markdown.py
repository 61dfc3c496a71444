"""Markdown plans -> plan.

Where the efforts come from, in order of preference:
1. a Mermaid flowchart in the document (see `mermaid`); sections that carry a branch or an
   owner are then matched to its nodes by name and lend them branch, files and deliverables;
2. sections that carry a `Branch:` or an owner (`Agent ID:`, `Owner:`, `Assignee:`): one
   effort each, with the section's checklist as its deliverables;
3. otherwise every checklist item `- [ ]` / `- [x]` is an effort, grouped by its heading;
4. failing all three, handoff sections ("Phase 1 → Phase 2") give the phases in order; the
   outputs each phase hands on are its efforts, and the next phase's prerequisites are its
   gate criteria, written into its description for a person to judge (`markdown_handoff`).
Fenced YAML blocks mapping names to `depends_on` / `enables` give dependencies. Headings
named as phases ("Phase 2 ...") become phases; checklists outside any effort become the
deliverables of the phase they sit under.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from phasegate.imports import mermaid
from phasegate.imports.build import Draft, Item, clean_id, one_line, slug
from phasegate.imports.emit import Imported
from phasegate.imports.markdown_deps import (
    apply_dependencies,
    dependency_blocks,
    field_dependencies,
)
from phasegate.imports.markdown_handoff import handoff_efforts
from phasegate.imports.markdown_syntax import OWNER_KEYS, Check, Document, Section, names, parse

_SIZE_KEYS = ("size", "lines", "loc", "estimate", "points", "hours", "days", "story points")
_PHASE_HEADING = re.compile(r"^(phase|stage|milestone|sprint)\s*[-:]?\s*([A-Za-z0-9][\w.]*)", re.I)
_STOP = {"agent", "specialist", "the", "and", "for", "with", "feature", "workstream", "team"}
_STATUS = [
    (re.compile(r"done|complete|finished|merged|closed|✅", re.I), "done"),
    (re.compile(r"cancel|dropped|abandon", re.I), "cancelled"),
    (re.compile(r"block", re.I), "blocked"),
    (re.compile(r"review", re.I), "checking"),
    (re.compile(r"active|progress|running|spawning|started|wip|ongoing", re.I), "running"),
]
_PRIORITY = {
    "critical": "critical", "urgent": "critical", "p0": "critical", "highest": "critical",
    "high": "high", "p1": "high", "medium": "medium", "normal": "medium", "p2": "medium",
    "low": "low", "p3": "low", "p4": "low", "lowest": "low",
}  # fmt: skip
_INLINE_DEPS = re.compile(r"\((?:depends on|after|needs|blocked by)\s*:?\s*([^)]*)\)", re.I)
_ITEM_ID = re.compile(r"^((?:\d+\.)+\d+|[A-Za-z][A-Za-z0-9]*-\d+(?:\.\d+)*)[\s:.)\]-]+(\S.*)$")


def detect(path: Path, head: str) -> bool:
    if path.suffix.lower() in (".md", ".markdown", ".mdown"):
        return True
    return bool(re.search(r"^#{1,6}\s+\S|^\s*[-*+]\s+\[[ xX]\]\s", head, re.M))


def read(path: Path, **options: Any) -> Imported:
    text = mermaid.read_text(path)
    doc = parse(text)
    top = doc.first_heading()
    project = options.get("project") or (top.title if top else path.stem)
    draft = Draft(str(path), project, "markdown")
    draft.header.append(f"imported from {path.name} (markdown)")
    dep_map = dependency_blocks(doc, draft)
    effort_secs = [s for s in doc.sections() if _makes_effort(s)]
    owned: dict[int, Item] = {}  # id(section) -> the effort it feeds
    from_checklists = False
    graph = mermaid.from_text(text, draft)
    if graph:
        owned = _match_sections(effort_secs, draft)
        if not draft.phases and top is not None and _PHASE_HEADING.match(top.title):
            pid = _phase_id(top)
            draft.phases.append({"id": pid, "title": top.title})
            for it in draft.items:
                it.fields["phase"] = pid
    elif effort_secs:
        owned = _section_efforts(effort_secs, dep_map, draft)
    else:
        from_checklists = True
        _checklist_efforts(doc, draft)
        if not draft.items:
            handoff_efforts(doc, draft)
    apply_dependencies(dep_map, draft, effort_secs, owned)
    if effort_secs and not graph:
        field_dependencies(effort_secs, draft, owned)
    if not from_checklists:
        _phase_deliverables(doc, draft, owned)
    if not draft.items:
        draft.warn(
            0,
            "no efforts found: no Mermaid flowchart, no section with a Branch or Owner field, "
            "no checklist and no handoff section listing a phase's outputs",
        )
    return draft.finish()


def _makes_effort(s: Section) -> bool:
    return "branch" in s.fields or any(k in s.fields for k in OWNER_KEYS)


def _phase_id(s: Section) -> str:
    m = _PHASE_HEADING.match(s.title)
    return clean_id(f"{m.group(1)}-{m.group(2)}".lower()) if m else slug(s.title)


def _phase_of(s: Section) -> Section | None:
    for a in [s, *s.ancestors()]:
        if not a.pseudo and a.level > 0 and _PHASE_HEADING.match(a.title):
            return a
    return None


# -- efforts from sections ---------------------------------------------------------------


def _section_efforts(
    secs: list[Section], dep_map: dict[str, tuple[dict[str, Any], int]], draft: Draft
) -> dict[int, Item]:
    keys = list(dep_map)
    claimed: dict[int, str] = {}
    for key in keys:
        for s in secs:
            if id(s) not in claimed and names(s, key):
                claimed[id(s)] = key
                break
    owned: dict[int, Item] = {}
    for s in secs:
        explicit = s.fields.get("id", ("", 0))[0]
        branch = _branch_of(s)
        wanted = explicit or claimed.get(id(s)) or branch.rsplit("/", 1)[-1] or slug(s.title)
        it = Item(draft.unique_id(wanted, s.line), s.title, line=s.line)
        if not explicit:
            it.comment = f"section at line {s.line}; id from its " + (
                "dependency block name" if id(s) in claimed else "branch" if branch else "title"
            )
        _lend_fields(s, it, draft)
        phase = _phase_of(s)
        if phase is not None:
            pid = _phase_id(phase)
            if all(p["id"] != pid for p in draft.phases):
                draft.phases.append({"id": pid, "title": phase.title})
            it.fields["phase"] = pid
        draft.items.append(it)
        owned[id(s)] = it
    return owned


def _branch_of(s: Section) -> str:
    """The section's branch when it is a valid branch name, else "": the plan written must
    load, so a name git would refuse is neither the branch nor the source of the id."""
    from phasegate.plan.refs import branch_problem

    words = s.fields.get("branch", ("", 0))[0].split()
    return words[0] if words and branch_problem(words[0]) is None else ""


def _lend_fields(s: Section, it: Item, draft: Draft) -> None:
    f = it.fields
    if "branch" in s.fields and "branch" not in f:
        name = _branch_of(s)
        if name:
            f["branch"] = name
        else:
            it.notes["branch"] = f"{s.fields['branch'][0]!r} in the document is not a branch name"
    owner = next((s.fields[k][0] for k in OWNER_KEYS if k in s.fields), None)
    if owner and "owner" not in f:
        f["owner"] = owner
    if "priority" in s.fields:
        word = (
            s.fields["priority"][0].split()[0].lower().strip(".,")
            if s.fields["priority"][0]
            else ""
        )
        if word in _PRIORITY:
            f["priority"] = _PRIORITY[word]
    for key in ("files", "file", "scope"):
        if key in s.fields and "files" not in f:
            f["files"] = [x.strip() for x in s.fields[key][0].split(",") if x.strip()]
    for key in ("reviewers", "reviewer", "approvers"):
        if key in s.fields:
            f["reviewers"] = [x.strip() for x in s.fields[key][0].split(",") if x.strip()]
    for key in ("focus", "objective", "goal", "description", "summary"):
        if key in s.fields and "description" not in f:
            f["description"] = s.fields[key][0]
    for key in _SIZE_KEYS:
        if key in s.fields and "size" not in f:
            _size_field(key, s.fields[key], it, draft)
    if "status" in s.fields and it.status is None:
        it.status = _status(s.fields["status"][0])
    for key in ("key interfaces", "interfaces"):
        if s.lists.get(key) and "interfaces" not in f:
            f["interfaces"] = list(s.lists[key])
    checks = [c for sec in _own_sections(s) for c in sec.checks]
    listed = [
        x for k in ("deliverables", "key components", "components") for x in s.lists.get(k, [])
    ]
    if listed and "deliverables" not in f:
        f["deliverables"] = listed
    if checks:
        f["deliverables"] = [*f.get("deliverables", []), *(c.text for c in checks)]
        done = sum(c.done for c in checks)
        if done:
            it.notes["deliverables"] = f"{done} of {len(checks)} checked off in the source"


def _own_sections(s: Section) -> list[Section]:
    """`s` and the sections under it that are not efforts of their own."""
    out = [s]
    for c in s.children:
        if not _makes_effort(c):
            out.extend(_own_sections(c))
    return out


def _size_field(key: str, value: tuple[str, int], it: Item, draft: Draft) -> None:
    text, line = value
    m = mermaid.SIZE.search(text)
    if m:
        size = float(m.group(1).replace(",", "")) * (1000 if m.group(2) else 1)
        unit = mermaid.UNITS[m.group(3).lower()]
    else:
        num = re.search(r"\d[\d,]*(?:\.\d+)?", text)
        if not num:
            return
        size = float(num.group().replace(",", ""))
        unit = {"lines": "lines", "loc": "lines", "hours": "hours", "days": "days"}.get(
            key, "points"
        )
    if draft.units not in (None, unit):
        draft.warn(line, f"{it.id!r} is sized in {unit}, the plan in {draft.units}; size left out")
        return
    draft.units = unit
    it.fields["size"] = size


def _status(text: str) -> str:
    last = re.split(r"→|->", text)[-1]
    for pattern, status in _STATUS:
        if pattern.search(last):
            return status
    return "pending"


def _match_sections(secs: list[Section], draft: Draft) -> dict[int, Item]:
    """Pair owner/branch sections with diagram nodes whose names share words, when unambiguous."""

    def words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _STOP}

    sec_words = {
        id(s): words(s.title + " " + s.fields.get("branch", ("", 0))[0].rsplit("/", 1)[-1])
        for s in secs
    }
    scores: dict[tuple[int, int], int] = {}
    for s in secs:
        for k, it in enumerate(draft.items):
            overlap = len(sec_words[id(s)] & words(it.title))
            if overlap:
                scores[(id(s), k)] = overlap
    owned: dict[int, Item] = {}
    by_id = {id(s): s for s in secs}
    progress = True
    while progress:
        progress = False
        free_s = {sid for sid in by_id if sid not in owned}
        free_i = {k for k in range(len(draft.items)) if draft.items[k] not in owned.values()}
        for sid in free_s:
            options = {k: v for (a, k), v in scores.items() if a == sid and k in free_i}
            if not options:
                continue
            best = max(options.values())
            ks = [k for k, v in options.items() if v == best]
            rivals = [v for (a, k), v in scores.items() if k == ks[0] and a in free_s and a != sid]
            if len(ks) == 1 and all(v < best for v in rivals):
                it = draft.items[ks[0]]
                owned[sid] = it
                _lend_fields(by_id[sid], it, draft)
                it.notes["branch"] = (
                    f"from the section {one_line(by_id[sid].title, 60)!r}, matched by name"
                )
                progress = True
                break
    for sid, s in by_id.items():
        if sid not in owned:
            draft.warn(s.line, f"section {s.title!r} matches no node of the diagram; left out")
    return owned


# -- efforts from checklists ----------------------------------------------------------


def _checklist_efforts(doc: Document, draft: Draft) -> None:
    secs = [s for s in doc.sections() if s.checks]
    named = all(_PHASE_HEADING.match(s.title) for s in secs if not s.pseudo)
    for s in secs:
        pid = draft.unique_id(_phase_id(s), s.line)
        phase: dict[str, Any] = {"id": pid, "title": s.title}
        if not named:
            phase["after"] = []
            draft.phase_notes[pid] = "a heading; order between phases not stated"
        draft.phases.append(phase)
        base = min(c.indent for c in s.checks)
        parent: Item | None = None
        for c in s.checks:
            if c.indent > base and parent is not None:
                parent.fields.setdefault("deliverables", []).append(c.text)
                continue
            parent = _check_item(c, pid, draft)
            draft.items.append(parent)


def _check_item(c: Check, pid: str, draft: Draft) -> Item:
    text = c.text
    deps: list[str] = []
    m = _INLINE_DEPS.search(text)
    if m:
        deps = [d.strip() for d in re.split(r"[,;]|\band\b", m.group(1)) if d.strip()]
        text = (text[: m.start()] + text[m.end() :]).strip()
    m = _ITEM_ID.match(text)
    wanted, title = (m.group(1), m.group(2)) if m else ("", text)
    eid = draft.unique_id(wanted or "-".join(slug(title).split("-")[:6]) or pid, c.line)
    it = Item(eid, title, deps=deps, line=c.line, status="done" if c.done else None)
    it.fields["phase"] = pid
    if not wanted:
        it.comment = f"checklist item at line {c.line}; id made from its text"
    return it


def _phase_deliverables(doc: Document, draft: Draft, owned: dict[int, Item]) -> None:
    phase_ids = [p["id"] for p in draft.phases]
    if not phase_ids:
        return
    used = {id(x) for s in doc.sections() if id(s) in owned for x in _own_sections(s)}
    for s in doc.sections():
        if id(s) in used or not s.checks:
            continue
        phase = _phase_of(s)
        pid = _phase_id(phase) if phase else (phase_ids[0] if len(phase_ids) == 1 else None)
        if pid is None or pid not in phase_ids:
            continue
        p = next(p for p in draft.phases if p["id"] == pid)
        p.setdefault("deliverables", []).extend(c.text for c in s.checks)
        heads = draft.phase_notes.get(pid)
        here = one_line(s.title, 40)
        draft.phase_notes[pid] = f"{heads}, {here}" if heads else f"deliverables from: {here}"
