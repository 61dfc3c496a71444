"""Other tools' plan files -> phasegate plan data.

Each format lives in its own module exposing `detect(path, head) -> bool` and
`read(path, **options) -> Imported`. `convert` picks the module and writes YAML with a
comment wherever the importer had to guess.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from phasegate.errors import InputError, UsageError
from phasegate.imports.emit import Imported, dump

__all__ = ["FORMATS", "Imported", "convert", "detect", "dump", "read"]

FORMATS = ("taskmaster", "beads", "mermaid", "markdown", "stg")


def read(source: str, fmt: str = "auto", **options: Any) -> Imported:
    path = Path(source)
    if not path.exists():
        raise UsageError(f"{source}: no such file")
    if path.is_dir():
        raise UsageError(f"{source} is a directory; give the file to import")
    if fmt == "auto":
        fmt = detect(path)
    if fmt not in FORMATS:
        raise UsageError(
            f"unknown import format {fmt!r}; choose one of: auto, {', '.join(FORMATS)}"
        )
    mod = importlib.import_module(f"phasegate.imports.{fmt}")
    result: Imported = mod.read(path, **options)
    return result


def detect(path: Path) -> str:
    try:
        head = path.read_bytes()[:65536].decode("utf-8", errors="replace")
    except OSError as e:
        raise UsageError(f"{path}: cannot read: {e.strerror}") from None
    for fmt in ("stg", "beads", "taskmaster", "mermaid", "markdown"):
        try:
            mod = importlib.import_module(f"phasegate.imports.{fmt}")
        except ImportError:
            continue
        if mod.detect(path, head):
            return fmt
    raise InputError(
        f"{path}: cannot tell its format; pass --from taskmaster|beads|mermaid|markdown|stg"
    )


def convert(source: str, fmt: str = "auto", **options: Any) -> str:
    return dump(read(source, fmt, **options))
