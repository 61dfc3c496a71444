"""Judge one contract against a tree of files, and cut the excerpt that shows it.

A tree is read through a `Reader` (relative path -> text, None when missing), so the same
rules judge a checkout on disk and a tree git wrote for a trial merge. Command contracts
need a directory to run in and are judged only where there is one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from phasegate.plan.model import Contract

Reader = Callable[[str], str | None]

# A brief quotes a definition, not a file: long enough for a trait or a signature block.
EXCERPT_LINES = 40


@dataclass(frozen=True)
class Evidence:
    name: str
    kind: str
    ok: bool
    why: str  # empty when ok
    excerpt: str
    where: str  # the file (or command) it was judged by

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "ok": self.ok,
            "why": self.why,
            "excerpt": self.excerpt,
            "where": self.where,
        }


def dir_reader(root: Path) -> Reader:
    def read(rel: str) -> str | None:
        p = root / rel
        try:
            return p.read_text(encoding="utf-8", errors="replace") if p.is_file() else None
        except OSError:
            return None

    return read


def symbol_pattern(c: Contract) -> str:
    return c.pattern or rf"\b{re.escape(c.name)}\b"


def verify(c: Contract, read: Reader, *, cwd: Path | None = None) -> Evidence | None:
    """The evidence for `c`; None for a command contract when there is no `cwd` to run in."""
    if c.kind == "command":
        return None if cwd is None else _command(c, cwd)
    assert c.path is not None  # the model requires it for the other kinds
    text = read(c.path)
    if text is None:
        return Evidence(c.name, c.kind, False, f"{c.path} does not exist", "", c.path)
    if c.kind == "file":
        return Evidence(c.name, c.kind, True, "", _head(text), c.path)
    if c.kind == "openapi":
        return _openapi(c, c.path, text)
    m = re.search(symbol_pattern(c), text, re.M)
    if m is None:
        why = f"{c.path} has no match for /{symbol_pattern(c)}/"
        return Evidence(c.name, c.kind, False, why, "", c.path)
    return Evidence(c.name, c.kind, True, "", block_at(text, m.start()), c.path)


def block_at(text: str, offset: int) -> str:
    """The definition starting on the line of `offset`: through its closing brace when it
    opens one, else up to the first blank line; at most EXCERPT_LINES lines."""
    lines = text[text.rfind("\n", 0, offset) + 1 :].splitlines()
    out: list[str] = []
    depth = 0
    opened = False
    for line in lines[:EXCERPT_LINES]:
        if not line.strip() and not opened and out:
            break
        out.append(line)
        depth += line.count("{") - line.count("}")
        opened = opened or "{" in line
        if opened and depth <= 0:
            break
    return "\n".join(out).rstrip()


def _head(text: str) -> str:
    return "\n".join(text.splitlines()[:EXCERPT_LINES]).rstrip()


def _openapi(c: Contract, path: str, text: str) -> Evidence:
    import yaml

    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return Evidence(c.name, c.kind, False, f"{path} is not YAML or JSON: {e}", "", path)
    paths = doc.get("paths") if isinstance(doc, dict) else None
    if not isinstance(paths, dict):
        return Evidence(c.name, c.kind, False, f"{path} has no 'paths' section", "", path)
    if c.pattern not in paths:
        return Evidence(c.name, c.kind, False, f"{path} does not define {c.pattern}", "", path)
    body = yaml.safe_dump({c.pattern: paths[c.pattern]}, sort_keys=False).rstrip()
    return Evidence(c.name, c.kind, True, "", "\n".join(body.splitlines()[:EXCERPT_LINES]), path)


def _command(c: Contract, cwd: Path) -> Evidence:
    from phasegate import proc

    assert c.command is not None
    shown = c.command if isinstance(c.command, str) else " ".join(c.command)
    r = proc.run(proc.shell_argv(c.command), cwd=cwd, timeout=600)
    if r.ok:
        return Evidence(c.name, c.kind, True, "", f"$ {shown}\n{r.tail(10)}".rstrip(), shown)
    why = "timed out" if r.timed_out else f"exit {r.returncode}"
    return Evidence(c.name, c.kind, False, f"`{shown}`: {why}", r.tail(10), shown)
