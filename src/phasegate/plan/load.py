"""Read a plan file: YAML with positions, structural validation, semantic validation.

Every problem found is reported in one pass as a located Diagnostic.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from phasegate.errors import Diagnostic, PlanInvalid, PlanNotFound
from phasegate.plan.discover import find_plan, state_dir_of
from phasegate.plan.model import Plan, number_id_message

if TYPE_CHECKING:
    from phasegate.plan.yamlpos import Document, PathPart
    from phasegate.plangraph import PlanGraph


@dataclass(frozen=True)
class LoadedPlan:
    plan: Plan
    path: Path
    display: str
    warnings: list[Diagnostic]

    @property
    def state_dir(self) -> Path:
        return state_dir_of(self.path)

    @property
    def graph(self) -> PlanGraph:
        from phasegate.plangraph import PlanGraph

        return PlanGraph.of(self.plan)


def load_plan(option: str | None = None, *, strict: bool = False) -> LoadedPlan:
    path = find_plan(option)
    display = str(option) if option and Path(option).is_file() else str(path)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise PlanNotFound(f"{display}: cannot read: {e.strerror}") from None
    from phasegate.plan import compiled

    k = compiled.key(raw, display, strict)
    state = state_dir_of(path)
    hit = compiled.get(state, k)
    if hit is not None:
        return hit
    loaded = load_text(raw, display, path=path, strict=strict)
    compiled.put(state, k, loaded)
    return loaded


def load_text(
    raw: bytes | str, display: str, *, path: Path | None = None, strict: bool = False
) -> LoadedPlan:
    def fail(message: str, line: int = 1, col: int = 1) -> PlanInvalid:
        return PlanInvalid([Diagnostic(display, line, col, "error", message)])

    if isinstance(raw, bytes):
        if b"\x00" in raw[:8192]:
            raise fail("not a text file (it contains NUL bytes); a plan is YAML text")
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            raise fail(f"not UTF-8 text (bad byte at offset {e.start})", line) from None
    else:
        text = raw
    # Here, not at the top: a plan found in the cache (plan/compiled.py) needs no YAML.
    from phasegate.plan.yamlpos import YamlProblem, parse

    try:
        doc = parse(text)
    except YamlProblem as e:
        raise fail(e.message, e.line or 1, e.col or 1) from None
    if doc.data is None:
        raise fail("the plan is empty; start from 'phasegate init'")
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__
        shown = {"list": "a list", "str": "a string", "int": "a number", "float": "a number"}
        raise fail(
            f"the plan must be a mapping of keys (project, efforts, ...), not {shown.get(kind, kind)}"
        )

    from phasegate.plan.validate import semantic_check

    diags: list[Diagnostic] = []
    for dpath, pos in doc.duplicates:
        diags.append(
            Diagnostic(
                display, pos.line, pos.col, "error", f"duplicate key {dpath[-1]!r}", fmt_path(dpath)
            )
        )
    plan: Plan | None = None
    from pydantic import ValidationError

    try:
        plan = Plan.model_validate(doc.data)
    except ValidationError as e:
        diags.extend(_structural(e, doc, display))
    semantic, graph = semantic_check(doc, display)
    diags.extend(semantic)
    errors = [d for d in diags if d.severity == "error"]
    if strict:
        errors = diags
    if errors or plan is None:
        raise PlanInvalid(sorted(diags, key=lambda d: (d.severity != "error", d.line, d.col)))
    if graph is not None:  # validation built it; every later PlanGraph.of(plan) reuses it
        from phasegate.plangraph import remember

        remember(plan, graph)
    return LoadedPlan(plan, path or Path(display), display, diags)


def fmt_path(path: Sequence[PathPart]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _clean_loc(data: Any, loc: Sequence[Any], kind: str) -> tuple[PathPart, ...]:
    """Drop the parts of a pydantic location that are not in the data (union member tags)."""
    out: list[PathPart] = []
    cur = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if (isinstance(cur, dict) and part in cur) or (
            isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
        ):
            out.append(part)
            cur = cur[part]
        elif last and kind == "missing":
            out.append(part)
        elif isinstance(cur, dict) and isinstance(part, str) and kind == "missing":
            out.append(part)
            cur = None
    return tuple(out)


def _structural(err: Any, doc: Document, display: str) -> list[Diagnostic]:
    grouped: dict[tuple[PathPart, ...], list[str]] = {}
    kinds: dict[tuple[PathPart, ...], str] = {}
    for e in err.errors(include_url=False):
        kind = e["type"]
        loc = _clean_loc(doc.data, e["loc"], kind)
        msg = _message(kind, e, loc)
        got = e.get("input")
        if isinstance(got, float) and msg == number_id_message(str(got), got):
            written = doc.written(loc, got)
            if written is not None:
                msg = number_id_message(written, got)  # quote '8.10', not the 8.1 it became
        msgs = grouped.setdefault(loc, [])
        if msg not in msgs:
            msgs.append(msg)
        kinds.setdefault(loc, kind)
    out = []
    for loc, msgs in grouped.items():
        kind = kinds[loc]
        if kind == "missing":
            pos = doc.locate(loc[:-1])
        else:
            pos = doc.locate(loc, key=kind == "extra_forbidden")
        text = msgs[0] if len(msgs) == 1 else " or ".join(msgs)
        out.append(Diagnostic(display, pos.line, pos.col, "error", text, fmt_path(loc)))
    return out


def _message(kind: str, e: Any, loc: tuple[PathPart, ...]) -> str:
    got = e.get("input")
    if kind == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        allowed = _allowed_keys(loc[:-1])
        hint = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
        suffix = f"; did you mean '{hint[0]}'?" if hint else ""
        if not hint and allowed:
            suffix = f"; expected one of: {', '.join(sorted(allowed))}"
        return f"unknown key {key!r}{suffix}"
    if kind == "missing":
        return f"missing required key {str(loc[-1])!r}" if loc else "missing required key"
    msg = str(e["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    elif msg.startswith("Input should be"):
        msg = "expected" + msg[len("Input should be") :]
        shown = repr(got)
        if len(shown) > 40:
            shown = shown[:37] + "..."
        msg += f", got {shown}"
    return msg


def _allowed_keys(path: Sequence[PathPart]) -> list[str]:
    """Keys the model accepts at `path`, by walking the model's annotations."""
    from pydantic import BaseModel

    tp: Any = Plan
    for part in path:
        tp = _unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(str(part))
            if field is None:
                return []
            tp = field.annotation
        elif typing.get_origin(tp) is list and isinstance(part, int):
            tp = typing.get_args(tp)[0]
        elif typing.get_origin(tp) is dict:
            tp = typing.get_args(tp)[1]
        else:
            return []
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _unwrap(tp: Any) -> Any:
    """Strip Annotated and Optional, and pick the model out of `Model | other` unions."""
    from pydantic import BaseModel

    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            tp = models[0] if models else args[0]
        else:
            return tp
