"""Aliases cannot make a small YAML file cost gigabytes: plans and imports refuse it."""

from __future__ import annotations

import time
from pathlib import Path

from phasegate.imports import convert
from support import run_phasegate

BOMB = """\
version: 1
project: bomb
a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
efforts: [{id: x, files: [x]}]
"""


def test_check_refuses_an_alias_bomb_quickly_with_a_location(tmp_path: Path) -> None:
    (tmp_path / "phasegate.yaml").write_text(BOMB)
    t0 = time.monotonic()
    r = run_phasegate("check", cwd=tmp_path, timeout=60)
    assert time.monotonic() - t0 < 30
    assert r.code == 1, r.out + r.err
    assert "aliases expand to more than" in r.err
    assert r.err.startswith("phasegate.yaml:") and "Traceback" not in r.err


def test_a_recursive_alias_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "phasegate.yaml").write_text("version: 1\nproject: r\nx: &x [1, *x]\n")
    r = run_phasegate("check", cwd=tmp_path, timeout=60)
    assert r.code == 1 and "Traceback" not in r.err, r.err
    assert r.err.startswith("phasegate.yaml:")


def test_markdown_import_skips_an_alias_bomb_block(tmp_path: Path) -> None:
    body = BOMB.replace("efforts: [{id: x, files: [x]}]\n", "")
    md = tmp_path / "plan.md"
    md.write_text(f"# Plan\n\n## Phase 1\n\n### Effort one\n\n```yaml\n{body}```\n")
    t0 = time.monotonic()
    convert(str(md), "markdown")
    assert time.monotonic() - t0 < 30
