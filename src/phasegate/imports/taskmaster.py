"""Task Master `.taskmaster/tasks/tasks.json` -> plan.

Both layouts: tagged `{"master": {"tasks": [...], "metadata": {...}}, "<tag>": ...}` and the
legacy root `{"meta": {...}, "tasks": [...]}`. Unknown fields are ignored.

- A subtask `3` of task `12` becomes effort `12.3`; its dependencies are local to the parent
  (`2` means `12.2`) unless dotted (`"11.4"`). A subtask with no dependency of its own waits
  for whatever its parent waits for, and the parent becomes a size-0 roll-up that depends on
  its subtasks, so whatever depends on the parent waits for all of them.
- Statuses become recorded state; done work that others depend on becomes an external
  prerequisite.
- Sizes: a `phasegate` block written by `phasegate export` wins; else the complexity score
  (the task's own, or from `task-complexity-report.json`) in points; else 1 task each.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from phasegate.exports.taskmaster import STATUS_OUT
from phasegate.imports.build import (
    PRIORITIES,
    UNITS,
    Draft,
    Item,
    SourceError,
    clean_id,
    one_line,
)
from phasegate.imports.emit import Imported
from phasegate.plan.model import MAX_AMOUNT

_STATUS = {
    "done": "done",
    "completed": "done",
    "in-progress": "running",
    "in_progress": "running",
    "review": "checking",
    "blocked": "blocked",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "deferred": "pending",
    "pending": "pending",
    "todo": "pending",
}


def detect(path: Path, head: str) -> bool:
    if path.suffix.lower() != ".json":
        return False
    return re.search(r'"tasks"\s*:\s*\[', head) is not None


def _load_json(path: Path) -> Any:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(str(path), 0, f"not UTF-8 text (bad byte at offset {e.start})") from None
    except OSError as e:
        raise SourceError(str(path), 0, f"cannot read: {e.strerror}") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as e:
        raise SourceError(
            str(path), e.lineno, f"not valid JSON: {e.msg} (column {e.colno})"
        ) from None
    except ValueError as e:
        raise SourceError(str(path), 0, f"not valid JSON: {e}") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        try:
            v = float(str(v).strip())
        except ValueError:
            return None
    f = float(v)
    return f if math.isfinite(f) and f >= 0 else None


class _Where:
    """Approximate lines for JSON values (the json module keeps no positions)."""

    def __init__(self, path: Path) -> None:
        try:
            self.text = path.read_text(encoding="utf-8-sig", errors="replace")
        except OSError:
            self.text = ""

    def task(self, tid: Any, after: int = 0) -> int:
        pat = re.compile(rf'"id"\s*:\s*"?{re.escape(str(tid))}"?\s*[,}}\n]')
        m = pat.search(self.text, after)
        return self.text.count("\n", 0, m.start()) + 1 if m else 0

    def offset(self, line: int) -> int:
        pos = 0
        for _ in range(max(line - 1, 0)):
            pos = self.text.find("\n", pos) + 1
        return pos


def read(path: Path, **options: Any) -> Imported:
    data = _load_json(path)
    src = str(path)
    tag = str(options.get("tag") or "master")
    tasks, meta, layout = _tasks_of(data, tag, src)
    project = options.get("project") or _project(meta, path)
    draft = Draft(src, project, "Task Master")
    draft.header.append(f"imported from {path.name} (Task Master, {layout})")
    where = _Where(path)
    scores = _complexity(path, tag, options.get("complexity"), draft)
    ours = _obj(meta, "phasegate")
    _phases(ours, draft)
    sized = False
    alias: dict[str, str] = {}  # Task Master id -> plan id, where they differ
    for k, task in enumerate(tasks):
        if not isinstance(task, dict):
            raise SourceError(src, 0, f"task number {k + 1} of tag {tag!r} is not an object")
        sized |= _task(task, where, scores, draft, alias)
    for it in draft.items:
        it.deps = [alias.get(d, d) for d in it.deps]
    if ours.get("units") in UNITS:
        draft.units = str(ours["units"])
    else:
        draft.units = "points" if sized else "tasks"
        if sized:
            draft.units_note = "complexity scores (1-10) as points"
    return draft.finish()


def _phases(ours: dict[str, Any], draft: Draft) -> None:
    """Phases written by `phasegate export`, so a round trip keeps them."""
    for p in ours.get("phases") or []:
        if isinstance(p, dict) and isinstance(p.get("id"), str) and clean_id(p["id"]) == p["id"]:
            phase: dict[str, Any] = {"id": p["id"], "title": _text(p.get("title"))}
            after = p.get("after")
            if isinstance(after, list):
                phase["after"] = [str(a) for a in after if isinstance(a, str)]
            draft.phases.append(phase)


def _tasks_of(data: Any, tag: str, src: str) -> tuple[list[Any], dict[str, Any], str]:
    if not isinstance(data, dict):
        raise SourceError(src, 1, "expected a JSON object with 'tasks' or tags such as 'master'")
    if isinstance(data.get("tasks"), list):
        meta = _obj(data, "meta")
        return data["tasks"], meta, "legacy layout"
    tags = [k for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("tasks"), list)]
    if not tags:
        raise SourceError(src, 1, "no task list: expected 'tasks' or a tag such as 'master'")
    if tag not in tags:
        raise SourceError(src, 1, f"no tag {tag!r} in the file; tags: {', '.join(tags)}")
    block = data[tag]
    meta = _obj(block, "metadata")
    return block["tasks"], meta, f"tag {tag}"


def _project(meta: dict[str, Any], path: Path) -> str:
    ours = meta.get("phasegate")
    if isinstance(ours, dict) and isinstance(ours.get("project"), str) and ours["project"].strip():
        return str(ours["project"]).strip()
    for key in ("projectName", "name", "project"):
        if isinstance(meta.get(key), str) and meta[key].strip():
            return str(meta[key]).strip()
    # .taskmaster/tasks/tasks.json: name the project after the folder holding .taskmaster
    parts = path.resolve().parts
    if ".taskmaster" in parts:
        return parts[parts.index(".taskmaster") - 1] or path.stem
    return path.parent.resolve().name or path.stem


def _complexity(path: Path, tag: str, given: Any, draft: Draft) -> dict[str, float]:
    """task id -> complexity score from a report, given or found beside the tasks file."""
    candidates: list[Path] = [Path(str(given))] if given else []
    if not given:
        for folder in (path.parent.parent / "reports", path.parent, path.parent.parent / "scripts"):
            # the untagged report belongs to master; other tags get their own file
            names = [f"task-complexity-report_{tag}.json"]
            if tag == "master":
                names.append("task-complexity-report.json")
            for name in names:
                candidates.append(folder / name)
    for c in candidates:
        if not c.is_file():
            if given:
                raise SourceError(str(c), 0, "complexity report not found")
            continue
        report = _load_json(c)
        rows = report.get("complexityAnalysis") if isinstance(report, dict) else None
        if not isinstance(rows, list):
            raise SourceError(str(c), 1, "no 'complexityAnalysis' list in the complexity report")
        out: dict[str, float] = {}
        for row in rows:
            if isinstance(row, dict) and "taskId" in row:
                score = number(row.get("complexityScore"))
                if score is not None:
                    out[str(row["taskId"])] = score
        draft.header.append(f"sizes from {c.name}")
        return out
    return {}


def _task(
    task: dict[str, Any],
    where: _Where,
    scores: dict[str, float],
    draft: Draft,
    alias: dict[str, str],
) -> bool:
    """Add a task and its subtasks; True when a size came from the file."""
    src = draft.source
    if "id" not in task or isinstance(task["id"], dict | list | bool) or task["id"] is None:
        raise SourceError(src, 0, f"a task has no usable 'id': {one_line(json.dumps(task), 80)}")
    tid = clean_id(task["id"])
    line = where.task(task["id"])
    if not tid:
        raise SourceError(src, line, f"task id {task['id']!r} cannot be an effort id")
    own_deps = [_ref(d, None, src, line) for d in _deps(task, src, line)]
    ours = _obj(task, "phasegate")
    if ours.get("external") is True and isinstance(ours.get("id"), str) and clean_id(ours["id"]):
        status = "done" if _text(task.get("status")).lower() in ("done", "completed") else "pending"
        alias[tid] = draft.add_external(clean_id(ours["id"]), _text(task.get("title")), status)
        return False
    it = _item(task, tid, own_deps, line, draft)
    if it.id != tid:
        alias[tid] = it.id
    sized = _size(task, it, scores.get(str(task["id"])))
    subtasks = task.get("subtasks") or []
    if not isinstance(subtasks, list):
        raise SourceError(src, line, f"task {tid}: 'subtasks' must be a list")
    subs: list[Item] = []
    sub_sized = False
    for sub in subtasks:
        if not isinstance(sub, dict) or "id" not in sub or isinstance(sub["id"], dict | list):
            raise SourceError(src, line, f"task {tid}: a subtask has no usable 'id'")
        sid = str(sub["id"])
        full = sid if "." in sid else f"{tid}.{clean_id(sid)}"
        sline = where.task(sub["id"], where.offset(line)) or line
        deps = [_ref(d, tid, src, sline) for d in _deps(sub, src, sline)]
        sub_item = _item(sub, clean_id(full), deps or list(own_deps), sline, draft)
        if sub_item.id != clean_id(full):
            alias[clean_id(full)] = sub_item.id
        if not deps and own_deps:
            sub_item.notes["depends_on"] = f"inherited from task {tid}"
        sub_sized |= _size(sub, sub_item, scores.get(full))
        subs.append(sub_item)
    if subs and not it.exported:  # an exported parent says its own size and dependencies
        if sized and not sub_sized and "size" in it.fields:
            share = round(float(it.fields["size"]) / len(subs), 2)
            for s in subs:
                s.fields["size"] = share
                s.notes["size"] = f"task {tid}'s score shared among its subtasks"
        it.fields["size"] = 0
        it.notes["size"] = "rolls up its subtasks"
        it.deps = list(dict.fromkeys([*own_deps, *(s.id for s in subs)]))
    draft.items.extend(subs)
    draft.items.append(it)
    return sized or sub_sized


def _deps(task: dict[str, Any], src: str, line: int) -> list[Any]:
    deps = task.get("dependencies") or []
    if not isinstance(deps, list):
        raise SourceError(src, line, f"task {task.get('id')}: 'dependencies' must be a list")
    return [d for d in deps if not isinstance(d, dict | list | bool) and d is not None]


def _ref(dep: Any, parent: str | None, src: str, line: int) -> str:
    if isinstance(dep, float):
        dep = repr(dep)
    d = str(dep).strip()
    if parent is not None and "." not in d:
        return f"{parent}.{d}"
    return d


def _item(task: dict[str, Any], eid: str, deps: list[str], line: int, draft: Draft) -> Item:
    meta = _obj(task, "phasegate")
    if isinstance(meta.get("id"), str) and clean_id(meta["id"]) == meta["id"]:
        eid = meta["id"]
    it = Item(draft.unique_id(eid, line), _text(task.get("title")) or eid, deps=deps, line=line)
    f = it.fields
    if _text(task.get("description")):
        f["description"] = _text(task.get("description"))
    notes = [x for x in (_text(task.get("details")), _test_strategy(task)) if x]
    if notes:
        f["notes"] = "\n\n".join(notes)
    prio = _text(task.get("priority")).lower()
    if prio in PRIORITIES:
        f["priority"] = prio
    elif prio:
        it.notes["title"] = f"priority {prio!r} is not one of {', '.join(PRIORITIES)}; left out"
    owner = _text(task.get("assignee") or task.get("owner"))
    if owner:
        f["owner"] = owner
    for key in ("phase", "branch"):
        if isinstance(meta.get(key), str) and meta[key]:
            f[key] = meta[key]
    for key in ("files", "reviewers", "deliverables"):
        if isinstance(meta.get(key), list) and all(isinstance(x, str) for x in meta[key]):
            f[key] = list(meta[key])
    if (
        isinstance(meta.get("wave"), int)
        and not isinstance(meta["wave"], bool)
        and meta["wave"] > 0
    ):
        f["wave"] = meta["wave"]
    est = meta.get("estimate")
    if isinstance(est, dict):
        low, likely, high = (number(est.get(k)) for k in ("low", "likely", "high"))
        if (
            low is not None
            and high is not None
            and low <= (likely if likely is not None else low) <= high
        ):
            f["estimate"] = {
                "low": low,
                "high": high,
                **({"likely": likely} if likely is not None else {}),
            }
    deps_exact = meta.get("depends_on")
    if isinstance(deps_exact, list) and all(isinstance(x, str) for x in deps_exact):
        it.deps = list(deps_exact)  # the plan's own ids, as exported: no renumbering
    status = _text(task.get("status")).lower()
    if status:
        it.status = _STATUS.get(status, "pending")
        if status not in _STATUS:
            it.notes["title"] = f"status {status!r} unknown to phasegate; taken as pending"
    exact = meta.get("state")
    if isinstance(exact, str) and exact in STATUS_OUT and STATUS_OUT[exact] == status:
        # The state phasegate exported, unless someone changed the status in Task Master.
        it.status = exact
    if meta.get("id"):
        it.exported = True
    return it


def _size(task: dict[str, Any], it: Item, score: float | None) -> bool:
    meta = _obj(task, "phasegate")
    for value in (meta.get("size"), task.get("complexity"), score):
        if isinstance(value, dict):
            value = value.get("score")
        size = number(value) if value is not None else None
        if size is not None and not 0 <= size <= MAX_AMOUNT:
            # The plan written must load: a size it cannot hold is left at its default.
            it.notes["size"] = (
                f"{value} in Task Master: outside the 0-{MAX_AMOUNT:g} a plan can hold; "
                "size left at its default"
            )
            continue
        if size is not None:
            it.fields["size"] = size
            return True
    return False


def _obj(d: dict[str, Any], key: str) -> dict[str, Any]:
    v = d.get(key)
    return v if isinstance(v, dict) else {}


def _text(v: Any) -> str:
    return v.strip() if isinstance(v, str) else ""


def _test_strategy(task: dict[str, Any]) -> str:
    t = _text(task.get("testStrategy") or task.get("test_strategy"))
    return f"Test strategy: {t}" if t else ""
