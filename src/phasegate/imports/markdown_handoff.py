"""Handoff sections -> phases, efforts and gate criteria.

Cross-phase coordination documents describe a project by what each phase hands the next:

    ### Phase 1 → Phase 2 Dependencies
    **Required Outputs from Phase 1:**
    - Functional project structure
    **Phase 2 Prerequisites:**
    - Project builds
    **Integration Points for Phase 2**:
    - Error handling patterns

Each "Phase N → Phase M" heading (also `->`, `=>`, "to") puts M after N. The lists under it
are told apart by their labels (a bold line ending in a colon, a `- Label:` item, or a
sub-heading): outputs or deliverables become efforts of N, prerequisites or validation
become criteria of N's gate, integration points become N's integration points. A section
named for one phase and a validation word ("Phase 2 Validation") adds criteria to it.

Criteria are what a person judges, and a command made up for one would claim a check the
document does not give; so they become the gate's `criteria`, each signed off with
`phasegate signoff`, and the gate also requires every listed output to be done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from phasegate.imports.build import Draft, Item, clean_id, one_line, slug
from phasegate.imports.markdown_syntax import Bullet, Document, Section

_KIND = r"(phase|stage|milestone|sprint)"
# a phase is named by a number, a single letter or a number word, so that prose such as
# "Phase transition to production" is not read as two phases
_TOKEN = r"(\d[\w.]*|[A-Za-z](?![\w])|one|two|three|four|five|six|seven|eight|nine|ten)"
_ARROW = re.compile(
    rf"\b{_KIND}\s*[-:]?\s*{_TOKEN}\s*(?:→|⟶|⇒|-->|->|=>|\bto\b)\s*"
    rf"(?:{_KIND}\s*[-:]?\s*)?{_TOKEN}",
    re.I,
)
_ONE = re.compile(rf"^{_KIND}\s*[-:]?\s*{_TOKEN}\b(.*)$", re.I)
_CRITERIA = re.compile(
    r"prerequisit|validat|criteri|acceptance|readiness|\bready\b|\bexit\b|\bentry\b|"
    r"\bchecks?\b|verif|\bgates?\b|\bconditions?\b|sign-?off",
    re.I,
)
_OUTPUTS = re.compile(r"output|deliverable|produc|provide|artifact|artefact|\bresults?\b", re.I)
_INTEGRATION = re.compile(r"integration|interface|touch ?points?|contracts?", re.I)
# an id reads better cut before the qualifying phrase ("CLI framework with command parsing")
_CUT = {"with", "for", "via", "from", "to", "of", "in", "on", "under", "across", "using", "that"}
_TRAILING = {"and", "or", "the", "a", "an", *_CUT}


@dataclass
class _Phase:
    key: str
    title: str
    line: int
    after: list[str] = field(default_factory=list)
    outputs: list[tuple[str, Bullet, list[str]]] = field(default_factory=list)
    criteria: list[tuple[str, list[str]]] = field(default_factory=list)  # label, item lines
    integration: list[str] = field(default_factory=list)
    headings: list[int] = field(default_factory=list)  # lines of the sections read


def is_handoff(title: str) -> bool:
    return _ARROW.search(title) is not None


def handoff_efforts(doc: Document, draft: Draft) -> bool:
    """Fill `draft` from handoff sections; False when the document has none."""
    handoffs = [(s, m) for s in doc.sections() if (m := _ARROW.search(s.title))]
    if not handoffs:
        return False
    phases: dict[str, _Phase] = {}
    for s, m in handoffs:
        src = _phase(phases, m.group(1), m.group(2), s.line)
        dst = _phase(phases, m.group(3) or m.group(1), m.group(4), s.line)
        if src is dst:
            draft.warn(s.line, f"{s.title!r} hands a phase to itself; no order taken from it")
        elif src.key not in dst.after:
            dst.after.append(src.key)
        src.headings.append(s.line)
        _read_lists(s, src, draft)
    for s in doc.sections():
        m = None if is_handoff(s.title) else _ONE.match(s.title)
        if m is None or not _CRITERIA.search(m.group(3)):
            continue
        target = phases.get(_key(m.group(1), m.group(2)))
        if target is None:
            continue
        target.headings.append(s.line)
        for label, bullets in _groups(s):
            target.criteria.append((label or s.title, _item_lines(bullets)))
    _emit(phases, draft)
    return True


def _key(kind: str, token: str) -> str:
    return clean_id(f"{kind}-{token}".lower()) or "phase"


def _phase(phases: dict[str, _Phase], kind: str, token: str, line: int) -> _Phase:
    key = _key(kind, token)
    if key not in phases:
        phases[key] = _Phase(key, f"{kind} {token}", line)
    return phases[key]


def _groups(s: Section) -> list[tuple[str, list[Bullet]]]:
    """Runs of bullets under one label, in `s` and the sub-sections that are not handoffs or
    phase sections of their own; a sub-heading names the bullets that carry no label."""
    out: list[tuple[str, list[Bullet]]] = []

    def visit(sec: Section, default: str) -> None:
        for b in sec.bullets:
            label = b.label or default
            if out and out[-1][0] == label:
                out[-1][1].append(b)
            else:
                out.append((label, [b]))
        for c in sec.children:
            if not is_handoff(c.title) and not _ONE.match(c.title):
                visit(c, c.title)

    visit(s, "")
    return out


def _item_lines(bullets: list[Bullet]) -> list[str]:
    base = min(b.indent for b in bullets)
    return [("  - " if b.indent > base else "- ") + b.text for b in bullets]


def _read_lists(s: Section, phase: _Phase, draft: Draft) -> None:
    for label, bullets in _groups(s):
        where = bullets[0].line
        if not label:
            draft.warn(
                where,
                f"a list under {one_line(s.title, 60)!r} has no label saying whether it holds "
                "outputs, prerequisites or integration points; left out",
            )
        elif _CRITERIA.search(label):
            phase.criteria.append((label, _item_lines(bullets)))
        elif _OUTPUTS.search(label):
            base = min(b.indent for b in bullets)
            for b in bullets:
                if b.indent > base and phase.outputs:
                    phase.outputs[-1][2].append(b.text)
                else:
                    phase.outputs.append((label, b, []))
        elif _INTEGRATION.search(label):
            phase.integration.extend(b.text for b in bullets)
        else:
            draft.warn(
                where,
                f"list {one_line(label, 60)!r} is neither outputs, prerequisites nor "
                "integration points; left out",
            )


def _effort_id(text: str, fallback: str) -> str:
    words = [w for w in slug(text.split("(")[0] or text).split("-") if w]
    cut = next((k for k, w in enumerate(words) if k >= 2 and w in _CUT), len(words))
    words = words[: min(cut, 5)]
    while words and words[-1] in _TRAILING:
        words.pop()
    return "-".join(words) or fallback


def _criteria(groups: list[tuple[str, list[str]]]) -> list[str]:
    """One criterion per item; a nested item carries the item it details."""
    out: list[str] = []
    parent = ""
    for _label, items in groups:
        for line in items:
            text = line.strip()[2:].strip()
            if line.startswith("  ") and parent:
                out.append(f"{parent}: {text}")
            else:
                parent = text
                out.append(text)
    return list(dict.fromkeys(c for c in out if c))


def _emit(phases: dict[str, _Phase], draft: Draft) -> None:
    kept = {k for k, p in phases.items() if p.outputs}

    def after(key: str, seen: set[str]) -> list[str]:
        # a phase left out passes its place in the order on to the phases it follows
        out: list[str] = []
        for a in phases[key].after:
            if a in kept:
                out.append(a)
            elif a not in seen:
                seen.add(a)
                out.extend(after(a, seen))
        return list(dict.fromkeys(out))

    for p in phases.values():
        if p.key not in kept:
            lost = ", with its gate criteria" if p.criteria else ""
            draft.warn(p.line, f"{p.title} lists no outputs of its own; left out{lost}")
            continue
        entry: dict[str, Any] = {"id": p.key, "title": p.title, "after": after(p.key, {p.key})}
        lines = ", ".join(map(str, p.headings))
        note = f"from the section{'s' if len(p.headings) > 1 else ''} at line {lines}"
        entry["gate"] = {"require": {"deliverables": "== 100%"}}
        if p.criteria:
            entry["gate"]["criteria"] = _criteria(p.criteria)
            note += "; gate criteria: judged by people, signed off with phasegate signoff"
        if p.integration:
            entry["integration_points"] = list(p.integration)
        draft.phases.append(entry)
        draft.phase_notes[p.key] = note
    for p in phases.values():
        for label, b, nested in p.outputs if p.key in kept else []:
            it = Item(draft.unique_id(_effort_id(b.text, p.key), b.line), b.text, line=b.line)
            it.fields["phase"] = p.key
            # the output is what the effort delivers, unless the document breaks it down
            it.fields["deliverables"] = nested or [b.text]
            it.comment = f"output at line {b.line} under {one_line(label, 50)!r}; id from its text"
            draft.items.append(it)
