"""Markdown -> a tree of sections with their fields, checklists and fenced blocks.

Sections are ATX headings (`## Title`) and, below them, paragraphs that are wholly bold
(`**Agent 1: Workspace Discovery Specialist**`), which plan documents use as small headings.
A bold line ending in a colon (`**Immediate Tasks:**`) is a label inside its section instead.
Fields are `**Key:** value`, `**Key**: value` and list items `- Key: value`. Every other
bullet is kept too, with the label above it, for documents whose plan is in plain lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from phasegate.imports.build import slug

OWNER_KEYS = ("agent id", "owner", "assignee", "assigned to", "agent")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)")
_CHECK = re.compile(r"^(\s*)[-*+]\s+\[([ xX])\]\s+(.*\S)\s*$")
_BOLD_FIELD = re.compile(r"^\s*(?:[-*+]\s+)?\*\*([^*:]{1,40}?)\s*(?::\*\*|\*\*\s*:)\s*(.*\S)\s*$")
_LIST_FIELD = re.compile(r"^\s*[-*+]\s+([A-Za-z][\w /-]{0,30}?)\s*:\s+(.*\S)\s*$")
_BOLD_LINE = re.compile(r"^\*\*([^*]+?)\*\*(.*)$")
_LIST_HEAD = re.compile(r"^(\s*)[-*+]\s+\**([A-Za-z][\w /-]{0,30}?)\**\s*:\**\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+(.*\S)\s*$")


@dataclass
class Check:
    done: bool
    text: str
    line: int
    indent: int
    label: str  # the bold label above it, if any ("Immediate Tasks")


@dataclass
class Bullet:
    label: str  # the bold label or `- Label:` item it sits under, as written ("" if none)
    text: str
    line: int
    indent: int


@dataclass
class Block:
    lang: str
    text: str
    line: int  # line of the first line inside the fence


@dataclass
class Section:
    level: int
    title: str
    line: int
    parent: Section | None = None
    pseudo: bool = False
    fields: dict[str, tuple[str, int]] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    lists: dict[str, list[str]] = field(default_factory=dict)  # "- Key:" then nested bullets
    bullets: list[Bullet] = field(default_factory=list)  # list items that are not checks
    children: list[Section] = field(default_factory=list)

    def walk(self) -> list[Section]:
        out = [self]
        for c in self.children:
            out.extend(c.walk())
        return out

    def ancestors(self) -> list[Section]:
        out: list[Section] = []
        s = self.parent
        while s is not None:
            out.append(s)
            s = s.parent
        return out


@dataclass
class Document:
    root: Section
    blocks: list[Block]

    def sections(self) -> list[Section]:
        return self.root.walk()[1:]

    def first_heading(self) -> Section | None:
        for s in self.sections():
            if not s.pseudo:
                return s
        return None


def norm_key(key: str) -> str:
    return " ".join(key.lower().replace("_", " ").split())


def clean_value(value: str) -> str:
    v = value.strip()
    v = re.sub(r"`([^`]*)`", r"\1", v)
    return re.sub(r"\*\*([^*]*)\*\*", r"\1", v).strip()


def parse(text: str) -> Document:
    root = Section(0, "", 0)
    blocks: list[Block] = []
    real = root  # the innermost ATX heading
    current = root  # real, or a bold pseudo-heading inside it
    label = ""
    fence: tuple[str, str, int, list[str]] | None = None
    # (indent of the "- Key:" line, its items, the key as written)
    collecting: tuple[int, list[str], str] | None = None
    for n, line in enumerate(text.splitlines(), 1):
        if collecting is not None and fence is None:
            b = _BULLET.match(line)
            if b and len(b.group(1).expandtabs(4)) > collecting[0]:
                item = clean_value(b.group(2))
                collecting[1].append(item)
                current.bullets.append(
                    Bullet(collecting[2], item, n, len(b.group(1).expandtabs(4)))
                )
                continue
            if line.strip():
                collecting = None
        if fence is not None:
            marker, lang, start, body = fence
            if line.strip().startswith(marker) and not line.strip()[len(marker) :].strip():
                blocks.append(Block(lang, "\n".join(body), start))
                fence = None
            else:
                body.append(line)
            continue
        m = _FENCE.match(line)
        if m:
            fence = (m.group(1), m.group(2).lower(), n + 1, [])
            continue
        m = _HEADING.match(line)
        if m:
            level = len(m.group(1))
            parent = real
            while parent.level >= level:
                parent = parent.parent or root
            sec = Section(level, clean_value(m.group(2)), n, parent)
            parent.children.append(sec)
            real = current = sec
            label = ""
            continue
        b = _BULLET.match(line)
        if b and not _CHECK.match(line) and not _LIST_HEAD.match(line):
            # recorded before the field rules below, which may also read the same line
            indent = len(b.group(1).expandtabs(4))
            current.bullets.append(Bullet(label, clean_value(b.group(2)), n, indent))
        m = _BOLD_FIELD.match(line)
        if m:
            current.fields.setdefault(norm_key(m.group(1)), (clean_value(m.group(2)), n))
            continue
        m = _BOLD_LINE.match(line.strip())
        if m:
            inner, after = m.group(1).strip(), m.group(2).strip()
            if inner.endswith(":") or after.startswith(":") or not after or after.startswith("("):
                if inner.endswith(":") or after.startswith(":"):
                    label = inner.rstrip(":")
                    continue
                sec = Section(real.level + 1, clean_value(inner), n, real, pseudo=True)
                real.children.append(sec)
                current = sec
                label = ""
                continue
        m = _CHECK.match(line)
        if m:
            indent = len(m.group(1).expandtabs(4))
            current.checks.append(
                Check(m.group(2) != " ", clean_value(m.group(3)), n, indent, label)
            )
            continue
        m = _LIST_HEAD.match(line)
        if m:
            items = current.lists.setdefault(norm_key(m.group(2)), [])
            collecting = (len(m.group(1).expandtabs(4)), items, m.group(2).strip())
            continue
        m = _LIST_FIELD.match(line)
        if m:
            current.fields.setdefault(norm_key(m.group(1)), (clean_value(m.group(2)), n))
    if fence is not None:
        marker, lang, start, body = fence
        blocks.append(Block(lang, "\n".join(body), start))
    return Document(root, blocks)


def names(s: Section, key: str) -> bool:
    """Does dependency-block name `key` refer to section `s`?"""
    branch = s.fields.get("branch", ("", 0))[0]
    owner = next((s.fields[k][0] for k in OWNER_KEYS if k in s.fields), "")
    return (
        key == s.fields.get("id", ("", 0))[0]
        or (bool(branch) and branch.rsplit("/", 1)[-1] == key)
        or slug(s.title) in (key, slug(key))
        or (bool(owner) and slug(owner).startswith(key))
    )
