"""Shared helpers for benchmark scripts: timing real commands and printing rows."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def installed_env() -> dict[str, str]:
    """The environment of an installed copy: bytecode caching allowed (see time_command)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def time_command(argv: Sequence[str], *, runs: int, cwd: Path | None = None) -> float:
    """Median wall time of `runs` executions after one untimed warm-up; a failing command
    aborts the benchmark.

    Commands run with Python's bytecode cache allowed, as in any installed copy: an
    environment that forbids it (PYTHONDONTWRITEBYTECODE) would otherwise recompile every
    module on every run and measure the compiler instead of the tool.
    """
    env = installed_env()
    subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        p = subprocess.run(list(argv), cwd=cwd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - start)
        if p.returncode not in (0,):
            raise SystemExit(
                f"benchmark command failed ({p.returncode}): {' '.join(argv)}\n{p.stderr[-2000:]}"
            )
    return statistics.median(times)


def row(
    name: str,
    ours: float,
    anchor: float,
    anchor_name: str,
    unit: str,
    notes: str = "",
    read: str = "",
) -> dict[str, Any]:
    """One benchmark row; `read` is the sentence README prints on how to read it."""
    return {
        "name": name,
        "ours": round(ours, 4),
        "anchor": round(anchor, 4),
        "anchor_name": anchor_name,
        "ratio": round(ours / anchor, 3) if anchor else None,
        "unit": unit,
        "notes": notes,
        "read": read,
    }


def print_rows(rows: list[dict[str, Any]]) -> None:
    head = f"{'benchmark':40} {'ours':>10} {'anchor':>10} {'ratio':>7}  unit / anchor"
    print(head)
    print("-" * len(head))
    for r in rows:
        ratio, ours, anchor = (_cell(r.get(k)) for k in ("ratio", "ours", "anchor"))
        print(
            f"{r['name']:40} {ours:>10} {anchor:>10} {ratio:>7}  {r['unit']} / {r['anchor_name']}"
        )
        if r.get("notes"):
            print(f"{'':40} {r['notes']}")


def _cell(value: Any) -> str:
    """A table cell: a skipped measurement shows as '-'."""
    if value is None:
        return "-"
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def python() -> str:
    return sys.executable


def main(
    rows: Callable[[bool], list[dict[str, Any]]], doc: str | None, quick_help: str = ""
) -> None:
    """The command line every benchmark script shares: `--quick`, then a table of rows."""
    import argparse

    ap = argparse.ArgumentParser(description=doc)
    ap.add_argument("--quick", action="store_true", help=quick_help or "reduced sizes")
    print_rows(rows(ap.parse_args().quick))
