"""beads `.beads/issues.jsonl` (one issue a line) -> plan.

- Only blocking links order work: `blocks`, `conditional-blocks` and `waits-for` make the
  issue depend on `depends_on_id`; `related`, `discovered-from` and the like are left out.
- `parent-child` (the issue is the child): under an epic, the child joins the epic's phase;
  under any other issue, the parent becomes a roll-up that depends on its children. Either
  way a child waits for whatever blocks its parent, as `bd ready` would have it.
- Epics with children become phases; an epic blocked by another epic comes after it.
- closed -> done (external prerequisite when others wait for it), in_progress -> running;
  tombstones (deleted issues) are skipped; estimated_minutes become hours.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from phasegate.imports.build import Draft, Item, SourceError, clean_id, one_line
from phasegate.imports.emit import Imported
from phasegate.imports.taskmaster import number
from phasegate.plan.model import MAX_AMOUNT

BLOCKING = ("blocks", "conditional-blocks", "waits-for")
_STATUS = {
    "closed": "done",
    "done": "done",
    "in_progress": "running",
    "hooked": "running",
    "blocked": "blocked",
    "open": "pending",
    "deferred": "pending",
    "pinned": "pending",
}
_PRIORITY = {0: "critical", 1: "high", 2: "medium", 3: "low", 4: "low"}


def detect(path: Path, head: str) -> bool:
    if path.suffix.lower() == ".jsonl" and path.parent.name == ".beads":
        return True
    first = next((ln for ln in head.splitlines() if ln.strip()), "")
    try:
        obj = json.loads(first)
    except ValueError:
        return False
    return (
        isinstance(obj, dict)
        and "id" in obj
        and "title" in obj
        and ("issue_type" in obj or "status" in obj)
    )


def parse(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, issue) for every line holding an issue; malformed lines are errors."""
    src = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(src, 0, f"not UTF-8 text (bad byte at offset {e.start})") from None
    except OSError as e:
        raise SourceError(src, 0, f"cannot read: {e.strerror}") from None
    out: list[tuple[int, dict[str, Any]]] = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, parse_constant=_reject)
        except ValueError as e:
            msg = e.msg if isinstance(e, json.JSONDecodeError) else str(e)
            col = f" (column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
            raise SourceError(src, n, f"not a JSON object: {msg}{col}") from None
        if not isinstance(obj, dict):
            raise SourceError(src, n, "each line must be one JSON object (an issue)")
        iid = obj.get("id")
        if not isinstance(iid, str | int) or isinstance(iid, bool) or not clean_id(iid):
            raise SourceError(src, n, "the issue has no usable 'id'")
        out.append((n, obj))
    return out


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read(path: Path, **options: Any) -> Imported:
    everything = parse(path)
    gone = {str(x["id"]) for _, x in everything if x.get("status") == "tombstone"}
    issues = [(n, x) for n, x in everything if str(x["id"]) not in gone]
    parts = path.resolve().parts
    default = parts[parts.index(".beads") - 1] if ".beads" in parts[1:] else path.stem
    draft = Draft(str(path), options.get("project") or default, "beads")
    draft.header.append(f"imported from {path.name} (beads)")
    by_id = {str(x["id"]): (n, x) for n, x in issues}
    blockers: dict[str, list[str]] = {i: [] for i in by_id}
    parent: dict[str, str] = {}
    for n, x in issues:
        for d in _links(x, draft, n):
            who, on, kind = d
            if who not in by_id or on in gone:
                continue
            if kind in BLOCKING:
                blockers[who].append(on)
            elif kind == "parent-child" and on in by_id:
                parent.setdefault(who, on)
    epics = {i for i, (_, x) in by_id.items() if x.get("issue_type") == "epic"}
    epics &= set(parent.values())
    _epic_phases(epics, blockers, by_id, draft)
    sized = False
    for iid, (n, x) in by_id.items():
        if iid in epics:
            continue
        it = _item(x, n, draft)
        deps = [m for b in blockers[iid] for m in _members(b, epics, parent)]
        up = parent.get(iid)
        seen: set[str] = set()
        while up is not None and up not in seen:
            seen.add(up)
            inherited = [
                m for b in blockers[up] if b not in epics for m in _members(b, epics, parent)
            ]
            deps.extend(inherited)
            if inherited:
                it.notes["depends_on"] = f"includes what blocks its parent {up}"
            if up in epics and "phase" not in it.fields:
                it.fields["phase"] = clean_id(up)
            up = parent.get(up)
        kids = [c for c, p in parent.items() if p == iid]
        if kids:
            deps.extend(kids)
            it.notes["title"] = f"rolls up its {len(kids)} child issue(s)"
        it.deps = list(dict.fromkeys(deps))
        sized |= "size" in it.fields
        draft.items.append(it)
    draft.units = "hours" if sized else "tasks"
    if sized:
        draft.units_note = "from estimated_minutes"
    return draft.finish()


def _members(iid: str, epics: set[str], parent: dict[str, str]) -> list[str]:
    """Waiting for an epic means waiting for every issue under it."""
    if iid not in epics:
        return [iid]
    out: list[str] = []
    for child, p in parent.items():
        if p == iid:
            out.extend(_members(child, epics - {iid}, parent))
    return out


def _links(x: dict[str, Any], draft: Draft, line: int) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    deps = x.get("dependencies") or []
    if not isinstance(deps, list):
        raise SourceError(draft.source, line, "'dependencies' must be a list")
    for d in deps:
        if isinstance(d, str | int) and not isinstance(d, bool):
            out.append((str(x["id"]), str(d), "blocks"))
            continue
        if not isinstance(d, dict) or not isinstance(d.get("depends_on_id"), str | int):
            raise SourceError(draft.source, line, "a dependency has no 'depends_on_id'")
        kind = str(d.get("type") or "blocks")
        who = str(d.get("issue_id") or x["id"])
        out.append((who, str(d["depends_on_id"]), kind))
    return out


def _epic_phases(
    epics: set[str],
    blockers: dict[str, list[str]],
    by_id: dict[str, tuple[int, dict[str, Any]]],
    draft: Draft,
) -> None:
    for iid, (_n, x) in by_id.items():
        if iid not in epics:
            continue
        after = [clean_id(b) for b in blockers[iid] if b in epics]
        phase: dict[str, Any] = {"id": clean_id(iid), "title": _s(x.get("title")) or iid}
        phase["after"] = after
        if _s(x.get("description")):
            phase["description"] = _s(x.get("description"))
        draft.phases.append(phase)
        draft.phase_notes[phase["id"]] = "an epic; order from the epics that block it"


def _item(x: dict[str, Any], line: int, draft: Draft) -> Item:
    it = Item(draft.unique_id(str(x["id"]), line), _s(x.get("title")) or str(x["id"]), line=line)
    f = it.fields
    desc = "\n\n".join(p for p in (_s(x.get("description")), _s(x.get("design"))) if p)
    if desc:
        f["description"] = desc
    if _s(x.get("notes")):
        f["notes"] = _s(x.get("notes"))
    criteria = [
        ln.strip().lstrip("-*+ ").removeprefix("[ ] ").removeprefix("[x] ").strip()
        for ln in _s(x.get("acceptance_criteria")).splitlines()
    ]
    if any(criteria):
        f["deliverables"] = [c for c in criteria if c]
    prio = x.get("priority")
    if isinstance(prio, int) and not isinstance(prio, bool) and prio in _PRIORITY:
        f["priority"] = _PRIORITY[prio]
        if prio == 4:
            it.notes["priority"] = "backlog (4) in beads"
    if _s(x.get("assignee")):
        f["owner"] = _s(x.get("assignee"))
    minutes = number(x.get("estimated_minutes")) if x.get("estimated_minutes") is not None else None
    if minutes is not None:
        hours = round(minutes / 60, 2)
        if hours <= MAX_AMOUNT:
            f["size"] = hours
        else:
            # Rounding can carry a value just past the bound over it (60000000001 minutes is
            # 1000000000.02 hours): the plan written must load, so the size stays unset.
            it.notes["estimated_minutes"] = (
                f"{x.get('estimated_minutes')} in beads: more than the {MAX_AMOUNT:g} hours "
                "a plan can hold; size left at its default"
            )
    status = _s(x.get("status")).lower()
    if status:
        it.status = _STATUS.get(status, "pending")
        if status not in _STATUS:
            it.comment = f"status {one_line(status, 30)!r} unknown to phasegate; taken as pending"
    return it


def _s(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""
